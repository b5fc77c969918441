// The envelope both transports carry: IPC in the desktop app, a loopback
// WebSocket in serve mode. Requests and replies match by id; events are pushed.
// Pure: used by main (to validate what arrives) and by the page.
import type { ApiError } from '../errors.js';

/** Upper bound for one API message (a 10,000-host export fits with room). */
export const MAX_API_MESSAGE_BYTES = 8 * 1024 * 1024;
const MAX_METHOD_LENGTH = 64;

/**
 * Page → main. `id` is the page's own counter, echoed in the reply; `params` is the method's argument list, checked
 * again in main.
 */
export interface RpcRequest {
  id: number;
  method: string;
  params: unknown[];
}

/** Main → page answer to the request with the same `id`: the method's result, or `{ code, message }` when it threw. */
export type RpcReply = { id: number; ok: true; result: unknown } | { id: number; ok: false; error: ApiError };

/** Main → page push with no request behind it (prompt.ask, book.changed); `event` names it, `payload` is its JSON. */
export interface RpcEvent {
  event: string;
  payload: unknown;
}

/** Anything main sends on the serve-mode WebSocket: a reply (has `id`) or an event (has none). */
export type RpcServerMessage = RpcReply | ({ id?: undefined } & RpcEvent);

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Checks one request from the page. Returns the request, or an ApiError (with
 * the id when one could be read, so the page's promise still settles).
 */
export function parseRpcRequest(raw: unknown): RpcRequest | { id: number | null; error: ApiError } {
  const bad = (id: number | null, message: string): { id: number | null; error: ApiError } => ({
    id,
    error: { code: 'API_BAD_REQUEST', message },
  });
  let value: unknown = raw;
  if (typeof raw === 'string') {
    if (raw.length > MAX_API_MESSAGE_BYTES) return bad(null, 'The request is too large.');
    try {
      value = JSON.parse(raw);
    } catch {
      return bad(null, 'The request is not valid JSON.');
    }
  }
  if (!isPlainObject(value)) return bad(null, 'The request must be an object.');
  const { id, method, params } = value;
  if (typeof id !== 'number' || !Number.isSafeInteger(id) || id < 0)
    return bad(null, 'The request id must be a non-negative integer.');
  if (typeof method !== 'string' || method.length === 0 || method.length > MAX_METHOD_LENGTH)
    return bad(id, 'The request names no method.');
  if (!Array.isArray(params)) return bad(id, 'The request params must be an array.');
  return { id, method, params };
}
