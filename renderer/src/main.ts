// The page's entry, kept small on purpose: it opens the API socket and asks
// book.get and app.info, then loads the app (app-boot.ts). The build names
// the app's chunks in index.html (modulepreload) and makes this script
// `async` (vite.renderer.config.ts), so the socket opens as soon as this one
// file arrives, and the app is fetched and compiled while main answers.
import './styles.css';
import { askFirst } from './app-first-calls.js';
import { loadLocalSettings, pageLocale } from './ui/local-settings.js';

const first = askFirst();
// A page in Chinese fetches its catalog now, beside the app, rather than once the app runs and asks for it
// (app-boot.ts awaits the same module, and draws nothing before it: no frame in English first).
if (pageLocale(loadLocalSettings()) === 'zh-CN') import('./i18n/zh-CN.js').catch(() => undefined);
// The two questions are already asked (serve mode: in the socket's address, answered by main once it is open), so the
// app (already fetched and compiled, modulepreload) runs now, while main answers.
Promise.all([import('./app-boot.js'), pageReady()]).then(
  ([{ boot }]) => boot(first),
  (err: unknown) => {
    // The page's own script did not load (a broken or half-updated build): say so rather than stay blank.
    const p = document.createElement('p');
    p.setAttribute('role', 'alert');
    p.textContent = `Hostdeck could not load its page: ${err instanceof Error ? err.message : String(err)}`;
    document.body.replaceChildren(p);
  },
);

/**
 * Resolves once the document is parsed and its stylesheets have loaded (or failed): an async script may run before
 * either, and the address book measures its rows as it draws.
 */
function pageReady(): Promise<unknown> {
  const parsed =
    document.readyState === 'loading'
      ? new Promise((resolve) => document.addEventListener('DOMContentLoaded', resolve, { once: true }))
      : Promise.resolve();
  return parsed.then(() =>
    Promise.all(
      [...document.querySelectorAll<HTMLLinkElement>('link[rel=stylesheet]')]
        .filter((link) => link.sheet === null)
        .map(
          (link) =>
            new Promise((resolve) => {
              link.addEventListener('load', resolve, { once: true });
              link.addEventListener('error', resolve, { once: true });
            }),
        ),
    ),
  );
}
