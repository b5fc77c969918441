// One implementation of the API for both transports. A transport (IPC in the
// desktop app, the loopback WebSocket in serve mode) hands each request to
// handle() and forwards events; it never calls a service itself.
import { HostdeckError, toApiError } from '../../shared/errors.js';
import {
  isApiMethod,
  type ApiEventName,
  type ApiEvents,
  type ApiMethodName,
  type ApiParams,
  type ApiResult,
} from '../../shared/api/contract.js';
import type { RpcReply, RpcRequest } from '../../shared/api/rpc.js';

/** What each API method does, given arguments its check has already typed. */
export type ApiHandlers = {
  [M in ApiMethodName]: (...params: ApiParams<M>) => Promise<ApiResult<M>> | ApiResult<M>;
};

/**
 * Argument checks, one per method: given what arrived, return it typed or
 * throw HostdeckError('API_BAD_REQUEST', …). Every argument from the page is
 * hostile until one of these has looked at it.
 */
export type ApiParamChecks = {
  [M in ApiMethodName]: (params: readonly unknown[]) => ApiParams<M>;
};

/** A transport's sink for events main pushes to the page (`prompt.ask`, `book.changed`, …). */
export type ApiEventListener = <E extends ApiEventName>(event: E, payload: ApiEvents[E]) => void;

/**
 * A slice of the API that one service provides: its handlers and, for each,
 * the argument check (one cannot be given without the other).
 */
export interface ApiModule<M extends ApiMethodName> {
  handlers: Pick<ApiHandlers, M>;
  checks: Pick<ApiParamChecks, M>;
}

type MethodsOf<T> = T extends ApiModule<infer M> ? M : never;

/** Joins modules; the result's type says which methods they cover together. */
export function joinModules<T extends Array<ApiModule<never>>>(...modules: T): ApiModule<MethodsOf<T[number]>> {
  return {
    handlers: Object.assign({}, ...modules.map((m) => m.handlers)),
    checks: Object.assign({}, ...modules.map((m) => m.checks)),
  } as ApiModule<MethodsOf<T[number]>>;
}

/**
 * Routes one request to its check and then its handler. Every failure becomes
 * a reply, never a throw: a HostdeckError keeps its code; anything else is
 * logged with its stack here and reaches the page as INTERNAL.
 */
export class ApiDispatcher {
  readonly #handlers: Partial<ApiHandlers>;
  readonly #checks: Partial<ApiParamChecks>;
  readonly #listeners = new Set<ApiEventListener>();

  /** Tests may pass a part of the API; the app passes all of it (createApi checks that at compile time). */
  constructor(handlers: Partial<ApiHandlers>, checks: Partial<ApiParamChecks>) {
    this.#handlers = handlers;
    this.#checks = checks;
  }

  /**
   * Answers one request. Replies with `ok: false` and API_UNKNOWN_METHOD for a
   * name the contract lacks or this mode does not serve, API_BAD_REQUEST when
   * the check refuses the arguments, or the handler's own error.
   */
  async handle(req: RpcRequest): Promise<RpcReply> {
    try {
      if (!isApiMethod(req.method))
        throw new HostdeckError(
          'API_UNKNOWN_METHOD',
          'Hostdeck does not know that request. Update or restart the app.',
        );
      const result = await this.#call(req.method, req.params);
      return { id: req.id, ok: true, result };
    } catch (err) {
      if (!(err instanceof HostdeckError)) console.error(`API ${req.method} failed:`, err);
      return { id: req.id, ok: false, error: toApiError(err) };
    }
  }

  async #call<M extends ApiMethodName>(method: M, raw: readonly unknown[]): Promise<ApiResult<M>> {
    const check = this.#checks[method] as ((p: readonly unknown[]) => ApiParams<M>) | undefined;
    const handler = this.#handlers[method] as
      ((...p: ApiParams<M>) => Promise<ApiResult<M>> | ApiResult<M>) | undefined;
    if (!check || !handler)
      throw new HostdeckError('API_UNKNOWN_METHOD', 'Hostdeck cannot do that in this mode. Update or restart the app.');
    return handler(...check(raw));
  }

  /** Pushes an event to every attached transport. */
  emit<E extends ApiEventName>(event: E, payload: ApiEvents[E]): void {
    for (const l of this.#listeners) l(event, payload);
  }

  /** Attaches a transport's event sink; returns its disposer. */
  subscribe(listener: ApiEventListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }
}

/** The check for methods that take no arguments. */
export function noParams(params: readonly unknown[]): [] {
  if (params.length !== 0) throw new HostdeckError('API_BAD_REQUEST', 'This request takes no arguments.');
  return [];
}
