// The page's one way to reach main. In the desktop app the preload exposes a
// fixed table (window.hostdeck); in serve mode the same calls travel over the
// loopback API WebSocket. Callers see one typed interface either way.
import type { ApiError, ErrorCode } from '../../../shared/errors.js';
import type { ApiEventName, ApiEvents, ApiMethodName, ApiParams, ApiResult } from '../../../shared/api/contract.js';
import type { RpcServerMessage } from '../../../shared/api/rpc.js';

export class ApiCallError extends Error implements ApiError {
  readonly code: ErrorCode;
  readonly details: Record<string, unknown> | undefined;
  constructor(err: ApiError) {
    super(err.message);
    this.name = 'ApiCallError';
    this.code = err.code;
    this.details = err.details;
  }
}

type Listener<E extends ApiEventName> = (payload: ApiEvents[E]) => void;

export interface ApiClient {
  call<M extends ApiMethodName>(method: M, ...params: ApiParams<M>): Promise<ApiResult<M>>;
  on<E extends ApiEventName>(event: E, listener: Listener<E>): () => void;
}

type DesktopReply = { ok: true; result: unknown } | { ok: false; error: ApiError };

/** What the preload exposes (see preload/index.ts): one function per method. */
interface DesktopBridge {
  api: Readonly<Record<string, (...params: unknown[]) => Promise<DesktopReply>>>;
  onEvent(listener: (event: string, payload: unknown) => void): () => void;
}

export function connectApi(): Promise<ApiClient> {
  const bridge = (globalThis as { hostdeck?: DesktopBridge }).hostdeck;
  return bridge?.api ? Promise.resolve(desktopClient(bridge)) : serveClient();
}

class EventHub {
  readonly #listeners = new Map<string, Set<(payload: unknown) => void>>();
  on(event: string, listener: (payload: unknown) => void): () => void {
    let set = this.#listeners.get(event);
    if (!set) this.#listeners.set(event, (set = new Set()));
    set.add(listener);
    return () => set.delete(listener);
  }
  emit(event: string, payload: unknown): void {
    for (const l of this.#listeners.get(event) ?? []) l(payload);
  }
}

function desktopClient(bridge: DesktopBridge): ApiClient {
  const hub = new EventHub();
  bridge.onEvent((event, payload) => hub.emit(event, payload));
  return {
    async call(method, ...params) {
      const fn = bridge.api[method];
      if (!fn)
        throw new ApiCallError({
          code: 'API_UNKNOWN_METHOD',
          message: 'This version of Hostdeck cannot do that. Restart the app.',
        });
      const reply = await fn(...params);
      if (!reply.ok) throw new ApiCallError(reply.error);
      return reply.result as never;
    },
    on: (event, listener) => hub.on(event, listener as (p: unknown) => void),
  };
}

const TOKEN_KEY = 'hostdeck.token';

/** Reads the per-launch token from the URL fragment once, then hides it. */
function takeToken(): string | null {
  const match = /(?:^#|&)token=([A-Za-z0-9_-]+)/.exec(location.hash);
  if (match?.[1]) {
    sessionStorage.setItem(TOKEN_KEY, match[1]);
    history.replaceState(null, '', location.pathname + location.search);
    return match[1];
  }
  return sessionStorage.getItem(TOKEN_KEY);
}

function serveClient(): Promise<ApiClient> {
  const token = takeToken();
  if (!token) {
    return Promise.reject(
      new ApiCallError({
        code: 'API_NO_TOKEN',
        message: 'Open Hostdeck with the full address that `npm run serve` printed (it ends with #token=…).',
      }),
    );
  }
  const hub = new EventHub();
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  let nextId = 1;
  const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/api?token=${encodeURIComponent(token)}`;
  const ws = new WebSocket(url);
  const failAll = (message: string): void => {
    for (const p of pending.values()) p.reject(new ApiCallError({ code: 'API_DISCONNECTED', message }));
    pending.clear();
  };
  ws.addEventListener('message', (ev: MessageEvent<unknown>) => {
    if (typeof ev.data !== 'string') return;
    let msg: RpcServerMessage;
    try {
      msg = JSON.parse(ev.data) as RpcServerMessage;
    } catch {
      return;
    }
    if (typeof msg.id === 'number') {
      const p = pending.get(msg.id);
      pending.delete(msg.id);
      if (!p) return;
      if (msg.ok) p.resolve(msg.result);
      else p.reject(new ApiCallError(msg.error));
    } else if ('event' in msg && typeof msg.event === 'string') {
      hub.emit(msg.event, msg.payload);
    }
  });
  ws.addEventListener('close', () => {
    failAll('Hostdeck stopped answering. Is `npm run serve` still running? Reload the page after restarting it.');
    hub.emit('api.closed' as ApiEventName, undefined);
  });
  const client: ApiClient = {
    call(method, ...params) {
      if (ws.readyState !== WebSocket.OPEN) {
        return Promise.reject(
          new ApiCallError({ code: 'API_DISCONNECTED', message: 'Hostdeck is not connected. Reload the page.' }),
        );
      }
      const id = nextId++;
      return new Promise((resolve, reject) => {
        pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
        ws.send(JSON.stringify({ id, method, params }));
      });
    },
    on: (event, listener) => hub.on(event, listener as (p: unknown) => void),
  };
  return new Promise((resolve, reject) => {
    ws.addEventListener('open', () => resolve(client), { once: true });
    ws.addEventListener(
      'error',
      () =>
        reject(
          new ApiCallError({
            code: 'API_UNREACHABLE',
            message: 'Could not reach Hostdeck. Start it with `npm run serve` and open the address it prints.',
          }),
        ),
      { once: true },
    );
  });
}
