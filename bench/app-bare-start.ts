// The start-up bench's same-run reference (`npm run bench -- app`): the least a
// page can do to show the same address book. A fresh `node` process with a
// bare http server (no framework, no API, no store) prints its URL; its page
// is one HTML file and one small module that fetches the book file as it is
// on disk and draws its first screen of names. Hostdeck's start against it is
// what the app adds (store, API socket, its scripts, the tree) on this
// machine, in this browser, in the same minute.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

/** Runs in the child: serves `/`, `/m.js` and `/book` (the data folder's hostdeck.json) on 127.0.0.1. */
const SERVER = String.raw`
const http = require('node:http');
const fs = require('node:fs');
const page = '<!doctype html><html><head><meta charset="utf-8"><title>bare</title><script type="module" src="/m.js"></script></head><body><div role="tree" aria-label="Hosts"></div></body></html>';
const script = "const r = await fetch('/book'); const book = await r.json();" +
  "const tree = document.querySelector('[role=tree]');" +
  "for (const h of book.hosts.slice(0, 40)) { const d = document.createElement('div'); d.setAttribute('role', 'treeitem'); d.className = 'book-host'; d.textContent = h.name; tree.append(d); }" +
  "tree.dataset.hosts = String(book.hosts.length); document.body.dataset.ready = 'true';";
const server = http.createServer((req, res) => {
  if (req.url === '/m.js') { res.writeHead(200, { 'Content-Type': 'text/javascript' }); res.end(script); }
  else if (req.url === '/book') { res.writeHead(200, { 'Content-Type': 'application/json' }); fs.createReadStream(process.env.BOOK).pipe(res); }
  else { res.writeHead(200, { 'Content-Type': 'text/html' }); res.end(page); }
});
server.listen(0, '127.0.0.1', () => process.stdout.write('bare page at http://127.0.0.1:' + server.address().port + '/\n'));
// The browser may keep a connection open: leave at once, as a killed server would.
process.on('SIGTERM', () => process.exit(0));
`;

/** A running bare server: its URL, and stop(). */
export interface BarePage {
  url: string;
  stop(): Promise<void>;
}

/** Spawns the bare server on `dataDir`'s book; resolves when it printed its URL (rejects after 30 s or if it exits). */
export function startBarePage(dataDir: string): Promise<BarePage> {
  const child: ChildProcess = spawn(process.execPath, ['-e', SERVER], {
    env: { ...process.env, BOOK: join(dataDir, 'hostdeck.json') },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const stop = (): Promise<void> =>
    new Promise((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      // SIGKILL if SIGTERM did not end it within 2 s: a bench must not wait on its reference's server.
      const force = setTimeout(() => child.kill('SIGKILL'), 2000);
      child.once('exit', () => {
        clearTimeout(force);
        resolve();
      });
      child.kill('SIGTERM');
    });
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error('the bare page server printed no URL in 30 s')), 30_000);
    child.once('exit', (code) => reject(new Error(`the bare page server exited (${code}) before its URL`)));
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /bare page at (http:\/\/127\.0\.0\.1:\d+\/)\n/.exec(out);
      if (!m?.[1]) return;
      clearTimeout(timer);
      resolve({ url: m[1], stop });
    });
  });
}
