// The page's first questions to main. The entry (main.ts) asks them before
// the rest of the page's script has loaded, so main's answer travels while
// the browser fetches and compiles the app (app-boot.ts) instead of after.
import { connectApi, type ApiClient } from './api/client.js';
import type { AppInfo, BookSnapshot } from '../../shared/api/contract.js';

/** A connection being made and the two calls every start needs, asked together (book.get first). */
export interface FirstCalls {
  api: Promise<ApiClient>;
  book: Promise<BookSnapshot>;
  info: Promise<AppInfo>;
}

/** Connects and asks book.get and app.info at once; failures surface where each promise is awaited. */
export function askFirst(): FirstCalls {
  const api = connectApi();
  const book = api.then((a) => a.call('book.get'));
  const info = api.then((a) => a.call('app.info'));
  // Awaited later (boot, App.refresh): no unhandled rejection in between.
  book.catch(() => undefined);
  info.catch(() => undefined);
  return { api, book, info };
}
