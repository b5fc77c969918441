// The API as the page reaches it, without a page: calls go through the
// dispatcher and come back as {ok, result} or {ok: false, error: {code, message}}.
import { afterAll, afterEach, beforeAll } from 'vitest';
import { createApi, type Api, type ApiContext } from '../../main/api/create-api.js';
import type { ApiDispatcher } from '../../main/api/dispatcher.js';
import { Gateway } from '../../main/gateway/gateway.js';
import type { AddressBookStore } from '../../main/store/address-book-store.js';
import { makeHome } from './serve.js';
import { startSshd, type Sshd } from './sshd.js';

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
 * A serve-mode API over `store`, as `npm run serve` makes one: sessions open
 * through `gateway` (without one, opening a session throws), the home folder
 * is a fresh one from makeHome(), and the machine's ~/.ssh/known_hosts is not
 * read. `extra` adds or replaces context fields (a log sink, logOpen).
 */
export function serveModeApi(
  store: AddressBookStore,
  gateway: Gateway | undefined,
  extra: Partial<ApiContext> = {},
): Api {
  return createApi({
    mode: 'serve',
    version: 't',
    gatewayPort: () => gateway?.port ?? 0,
    gateway: () => {
      if (!gateway) throw new Error('this test opens no sessions through a gateway');
      return gateway;
    },
    store,
    homeDir: makeHome(),
    ssh: { userKnownHosts: [] },
    ...extra,
  });
}

/**
 * A serve-mode API over `store` for tests of the address book and import: any
 * attempt to reach the gateway (open a session) throws.
 */
export function bookApi(store: AddressBookStore, homeDir: string): ApiDispatcher {
  return serveModeApi(store, undefined, { homeDir }).dispatcher;
}

/** The stores a test file's APIs use (test/fixtures/store/harness.ts's StoreHarness): made fresh, closed after each test. */
export interface TestStores {
  open(options: { saveDelayMs: number }): AddressBookStore;
  cleanup(): void;
}

/**
 * The hooks of a file whose tests open serve-mode APIs against one gateway
 * (accepting pages from `origin`) and one rig sshd: before all, both start and
 * `ready` gets them; after each test, every API the returned function made is
 * disposed and `harness` closes its stores; after all, both stop. The returned
 * function makes an API over a fresh store (or `extra.store`) through that
 * gateway.
 */
export function sharedApiPeers(
  harness: TestStores,
  origin: string,
  ready: (gateway: Gateway, sshd: Sshd) => void,
): (extra?: Partial<ApiContext>) => Api {
  let gateway: Gateway | undefined;
  let sshd: Sshd | undefined;
  const apis: Api[] = [];
  beforeAll(async () => {
    gateway = await Gateway.start({ allowedOrigins: [origin] });
    sshd = await startSshd();
    ready(gateway, sshd);
  });
  afterEach(async () => {
    for (const a of apis.splice(0)) await a.dispose();
    harness.cleanup();
  });
  afterAll(async () => {
    await gateway?.close();
    await sshd?.stop();
  });
  return (extra = {}) => {
    const api = serveModeApi(extra.store ?? harness.open({ saveDelayMs: 0 }), gateway, extra);
    apis.push(api);
    return api;
  };
}
