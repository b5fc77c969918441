// Reaching into a Hostdeck page from Node (playwright): the API the page
// itself uses, and the pixels noVNC drew. Shared by the VNC end-to-end test
// and the VNC benchmark, so both measure the same thing the same way.
import type { Page } from 'playwright-core';

// These functions run in the page, but bench/ is type-checked as Node code
// (tsconfig.node.json has no DOM, on purpose): the little of the DOM they use
// is described here instead of pulling the DOM library into the Node world.
interface PageSocket {
  onopen: (() => void) | null;
  onerror: (() => void) | null;
  onmessage: ((ev: { data: string }) => void) | null;
  send(data: string): void;
  close(): void;
}
interface PageGlobals {
  sessionStorage: { getItem(key: string): string | null };
  location: { host: string };
  WebSocket: new (url: string) => PageSocket;
  document: { querySelector(sel: string): PageCanvas | null };
}
interface PageCanvas {
  width: number;
  height: number;
  getContext(
    kind: '2d',
  ): { getImageData(x: number, y: number, w: number, h: number): { data: ArrayLike<number> } } | null;
}

/** Calls the API the way the page does: its own per-launch token, its own origin. */
export function pageApi<T>(page: Page, method: string, ...params: unknown[]): Promise<T> {
  return page.evaluate(
    async ({ method, params }) => {
      const g = globalThis as unknown as PageGlobals;
      const token = g.sessionStorage.getItem('hostdeck.token');
      const ws = new g.WebSocket(`ws://${g.location.host}/api?token=${encodeURIComponent(token ?? '')}`);
      await new Promise((resolve, reject) => {
        ws.onopen = () => resolve(undefined);
        ws.onerror = () => reject(new Error('API socket failed'));
      });
      try {
        return await new Promise<unknown>((resolve, reject) => {
          ws.onmessage = (ev) => {
            const msg = JSON.parse(ev.data) as {
              id?: number;
              ok?: boolean;
              result?: unknown;
              error?: { message: string };
            };
            if (msg.id !== 1) return;
            if (msg.ok) resolve(msg.result);
            else reject(new Error(msg.error?.message ?? 'API error'));
          };
          ws.send(JSON.stringify({ id: 1, method, params }));
        });
      } finally {
        ws.close();
      }
    },
    { method, params },
  ) as Promise<T>;
}

/**
 * The RGB of the remote framebuffer at (x, y), read from the first noVNC
 * canvas under `scope` (null while there is none or it is still empty).
 */
export function canvasPixel(page: Page, scope: string, x: number, y: number): Promise<number[] | null> {
  return page.evaluate(
    ({ scope, x, y }) => {
      const canvas = (globalThis as unknown as PageGlobals).document.querySelector(`${scope} canvas`);
      if (!canvas || canvas.width < 2 || canvas.height < 2) return null;
      const d = canvas.getContext('2d')?.getImageData(x, y, 1, 1).data;
      return d ? [d[0] ?? 0, d[1] ?? 0, d[2] ?? 0] : null;
    },
    { scope, x, y },
  );
}
