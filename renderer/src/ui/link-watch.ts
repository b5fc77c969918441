// When a tab waiting to reconnect should stop waiting and try at once: the
// browser says the network is back ('online'), the page is shown again
// after being hidden (background tabs' timers are throttled, and a laptop
// lid opening shows the page again), or, in the desktop app, main says the
// machine woke from sleep ('app.resumed', Electron's powerMonitor).
import type { ApiClient } from '../api/client.js';

/** Calls `tryNow` on each of those moments; returns the function that stops watching. */
export function watchForLink(api: Pick<ApiClient, 'on'>, tryNow: () => void): () => void {
  const windowOnOnline = (): void => tryNow();
  const documentOnVisibility = (): void => {
    if (document.visibilityState === 'visible') tryNow();
  };
  window.addEventListener('online', windowOnOnline);
  document.addEventListener('visibilitychange', documentOnVisibility);
  const off = api.on('app.resumed', () => tryNow());
  return () => {
    window.removeEventListener('online', windowOnOnline);
    document.removeEventListener('visibilitychange', documentOnVisibility);
    off();
  };
}
