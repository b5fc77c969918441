// IPC handlers: every call checks that it comes from our own page's main
// frame, then goes through the same dispatcher (and argument checks) as serve
// mode. A compromised or foreign frame (an iframe, a page navigated elsewhere)
// gets API_FORBIDDEN and nothing runs.
import { ipcMain, type IpcMainInvokeEvent, type WebContents, type WebFrameMain } from 'electron';
import { APP_HOST, APP_SCHEME, IpcChannel } from '../../shared/api/channels.js';
import { parseRpcRequest } from '../../shared/api/rpc.js';
import type { ApiDispatcher } from '../api/dispatcher.js';

/** True for the top frame of a page served from app://hostdeck/ (or the dev server in development). */
export function isTrustedFrame(frame: WebFrameMain | null | undefined, devOrigin?: string): boolean {
  if (!frame || frame.parent !== null) return false;
  let url: URL;
  try {
    url = new URL(frame.url);
  } catch {
    return false;
  }
  if (url.protocol === `${APP_SCHEME}:` && url.host === APP_HOST) return true;
  return devOrigin !== undefined && url.origin === devOrigin;
}

/**
 * Answers the page's API calls on IpcChannel.Invoke: a frame that is not our page gets API_FORBIDDEN, a malformed call
 * API_BAD_REQUEST, the rest goes to the dispatcher. Returns the function that removes the handler.
 */
export function setupIpc(dispatcher: ApiDispatcher, devOrigin?: string): () => void {
  ipcMain.handle(IpcChannel.Invoke, async (event: IpcMainInvokeEvent, method: unknown, params: unknown) => {
    if (!isTrustedFrame(event.senderFrame, devOrigin)) {
      return { ok: false, error: { code: 'API_FORBIDDEN', message: 'This page may not use Hostdeck.' } };
    }
    const req = parseRpcRequest({ id: 0, method, params });
    if ('error' in req) return { ok: false, error: req.error };
    const reply = await dispatcher.handle(req);
    return reply.ok ? { ok: true, result: reply.result } : { ok: false, error: reply.error };
  });
  return () => ipcMain.removeHandler(IpcChannel.Invoke);
}

/** Forwards API events to one window's page; returns the disposer. */
export function forwardEvents(dispatcher: ApiDispatcher, contents: WebContents): () => void {
  const dispose = dispatcher.subscribe((event, payload) => {
    if (!contents.isDestroyed()) contents.send(IpcChannel.Event, event, payload);
  });
  contents.once('destroyed', dispose);
  return dispose;
}
