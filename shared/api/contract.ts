// The API contract: every method the page may call and every event main may
// push, with their types. Main implements it once (main/api/); the preload's
// table and the serve-mode transport are derived from API_METHODS, so a new
// method is added here, implemented in main, and nothing else changes.

export interface AppInfo {
  name: string;
  version: string;
  /** 'desktop' (Electron) or 'serve' (a browser tab on loopback). */
  mode: 'desktop' | 'serve';
  platform: string;
  /** The native speed-ups the session code relies on; false means slower, not broken. */
  native: { sshCrypto: boolean; bufferutil: boolean };
  /** The gateway's port, for the page's CSP and status view. */
  gatewayPort: number;
}

/** Method name → parameter tuple and result. */
export interface ApiMethods {
  'app.info': { params: []; result: AppInfo };
}

export type ApiMethodName = keyof ApiMethods;
export type ApiParams<M extends ApiMethodName> = ApiMethods[M]['params'];
export type ApiResult<M extends ApiMethodName> = ApiMethods[M]['result'];

/** The fixed list the preload and the transports are built from. */
export const API_METHODS = ['app.info'] as const satisfies readonly ApiMethodName[];

/** Event name → payload. */
export interface ApiEvents {
  'store.warning': { code: string; message: string; path?: string };
}

export type ApiEventName = keyof ApiEvents;
export const API_EVENTS = ['store.warning'] as const satisfies readonly ApiEventName[];

export function isApiMethod(name: string): name is ApiMethodName {
  return (API_METHODS as readonly string[]).includes(name);
}

// Compile-time proof that the lists name every method and event of the types.
type Missing<All, Listed> = Exclude<All, Listed> extends never ? true : ['missing from the list:', Exclude<All, Listed>];
export const API_LISTS_COMPLETE: [Missing<ApiMethodName, (typeof API_METHODS)[number]>, Missing<ApiEventName, (typeof API_EVENTS)[number]>] = [true, true];
