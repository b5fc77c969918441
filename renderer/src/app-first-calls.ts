// The page's first questions to main. The entry (main.ts) asks them before
// the rest of the page's script has loaded, so main's answer travels while
// the browser fetches and compiles the app (app-boot.ts) instead of after. In
// serve mode they ride in the API socket's address, and main answers them as
// soon as the socket is open, without the page sending them (connectAsking).
import { connectAsking, type ApiClient } from './api/client.js';
import type { AppInfo, BookSnapshot } from '../../shared/api/contract.js';

/** A connection being made and the two calls every start needs, asked together (book.get first). */
export interface FirstCalls {
  api: Promise<ApiClient>;
  book: Promise<BookSnapshot>;
  info: Promise<AppInfo>;
}

/** Connects and asks book.get and app.info at once; failures surface where each promise is awaited. */
export function askFirst(): FirstCalls {
  const { api, answers } = connectAsking(['book.get', 'app.info']);
  const book = answers[0] as Promise<BookSnapshot>;
  const info = answers[1] as Promise<AppInfo>;
  // Awaited later (boot, App.refresh): no unhandled rejection in between.
  api.catch(() => undefined);
  book.catch(() => undefined);
  info.catch(() => undefined);
  return { api, book, info };
}
