/**
 * IPC channel names in one place (the electron/fiddle habit). The preload
 * maps the contract's method names onto these; main listens on them only.
 */
export const IpcChannel = {
  /** page → main: (method, params) → RpcReply without id */
  Invoke: 'hostdeck:api',
  /** main → page: (event, payload) */
  Event: 'hostdeck:event',
  /** preload → main: (paths of a trusted OS drop) → LocalHandle[]; never the page's own call */
  Drop: 'hostdeck:drop',
} as const;

/** The custom scheme the desktop app serves its page from, and so its Origin. */
export const APP_SCHEME = 'app';
/** Host part of the desktop page's origin, `app://hostdeck`; main/app/protocol.ts serves only this host. */
export const APP_HOST = 'hostdeck';
/** `app://hostdeck`: the Origin the desktop page has, checked on every IPC sender and navigation. */
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
