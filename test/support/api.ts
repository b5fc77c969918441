// The API as the page reaches it, without a page: calls go through the
// dispatcher and come back as {ok, result} or {ok: false, error: {code, message}}.
import { createApi } from '../../main/api/create-api.js';
import type { ApiDispatcher } from '../../main/api/dispatcher.js';
import type { AddressBookStore } from '../../main/store/address-book-store.js';

export interface CallResult {
  ok: boolean;
  result?: unknown;
  error?: { code: string; message: string };
}

let nextId = 1;

/** One request through the dispatcher, with a fresh request id. */
export async function callApi(dispatcher: ApiDispatcher, method: string, ...params: unknown[]): Promise<CallResult> {
  const reply = await dispatcher.handle({ id: nextId++, method, params });
  return reply.ok ? { ok: true, result: reply.result } : { ok: false, error: reply.error };
}

/**
 * A serve-mode API over `store` for tests of the address book and import: any
 * attempt to reach the gateway (open a session) throws.
 */
export function bookApi(store: AddressBookStore, homeDir: string): ApiDispatcher {
  return createApi({
    mode: 'serve',
    version: 't',
    gatewayPort: () => 1,
    gateway: () => {
      throw new Error('no sessions in these tests');
    },
    store,
    homeDir,
  }).dispatcher;
}
