// One implementation of the API for both transports. A transport (IPC in the
// desktop app, the loopback WebSocket in serve mode) hands each request to
// handle() and forwards events; it never calls a service itself.
import { HostdeckError, toApiError } from '../../shared/errors.js';
import { isApiMethod, type ApiEventName, type ApiEvents, type ApiMethodName, type ApiParams, type ApiResult } from '../../shared/api/contract.js';
import type { RpcReply, RpcRequest } from '../../shared/api/rpc.js';

export type ApiHandlers = {
  [M in ApiMethodName]: (...params: ApiParams<M>) => Promise<ApiResult<M>> | ApiResult<M>;
};

/**
 * Argument checks, one per method: given what arrived, return it typed or
 * throw HostdeckError('BAD_REQUEST', …). Every argument from the page is
 * hostile until one of these has looked at it.
 */
export type ApiParamChecks = {
  [M in ApiMethodName]: (params: readonly unknown[]) => ApiParams<M>;
};

export type ApiEventListener = <E extends ApiEventName>(event: E, payload: ApiEvents[E]) => void;

export class ApiDispatcher {
  readonly #handlers: ApiHandlers;
  readonly #checks: ApiParamChecks;
  readonly #listeners = new Set<ApiEventListener>();

  constructor(handlers: ApiHandlers, checks: ApiParamChecks) {
    this.#handlers = handlers;
    this.#checks = checks;
  }

  async handle(req: RpcRequest): Promise<RpcReply> {
    try {
      if (!isApiMethod(req.method)) throw new HostdeckError('UNKNOWN_METHOD', 'Hostdeck does not know that request. Update or restart the app.');
      const result = await this.#call(req.method, req.params);
      return { id: req.id, ok: true, result };
    } catch (err) {
      if (!(err instanceof HostdeckError)) console.error(`API ${req.method} failed:`, err);
      return { id: req.id, ok: false, error: toApiError(err) };
    }
  }

  async #call<M extends ApiMethodName>(method: M, raw: readonly unknown[]): Promise<ApiResult<M>> {
    const params = this.#checks[method](raw);
    const handler = this.#handlers[method] as (...p: ApiParams<M>) => Promise<ApiResult<M>> | ApiResult<M>;
    return handler(...params);
  }

  /** Pushes an event to every attached transport. */
  emit<E extends ApiEventName>(event: E, payload: ApiEvents[E]): void {
    for (const l of this.#listeners) l(event, payload);
  }

  /** Attaches a transport's event sink; returns its disposer. */
  onEvent(listener: ApiEventListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }
}

/** The check for methods that take no arguments. */
export function noParams(params: readonly unknown[]): [] {
  if (params.length !== 0) throw new HostdeckError('BAD_REQUEST', 'This request takes no arguments.');
  return [];
}
