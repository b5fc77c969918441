// Composes the API from the services. Plain Node: used unchanged by the
// desktop shell (main/app) and by serve mode (main/serve).
import { ApiDispatcher, joinModules, noParams, type ApiModule } from './dispatcher.js';
import { nativeStatus } from './native.js';
import { bookApi } from './book-api.js';
import type { AppInfo, ApiEventName, ApiEvents } from '../../shared/api/contract.js';
import type { AddressBookStore } from '../store/address-book-store.js';

export interface ApiContext {
  mode: AppInfo['mode'];
  version: string;
  gatewayPort: () => number;
  store: AddressBookStore;
  homeDir?: string;
}

function appApi(ctx: ApiContext): ApiModule<'app.info'> {
  return {
    handlers: {
      'app.info': () => ({
        name: 'Hostdeck',
        version: ctx.version,
        mode: ctx.mode,
        platform: process.platform,
        native: nativeStatus(),
        gatewayPort: ctx.gatewayPort(),
      }),
    },
    checks: { 'app.info': noParams },
  };
}

export function createApi(ctx: ApiContext): ApiDispatcher {
  // Events need the dispatcher and the dispatcher needs the modules: the
  // modules get an emit that forwards once it exists.
  const sink: { dispatcher?: ApiDispatcher } = {};
  const emit = <E extends ApiEventName>(event: E, payload: ApiEvents[E]): void => sink.dispatcher?.emit(event, payload);
  const api = joinModules(appApi(ctx), bookApi({ store: ctx.store, emit, ...(ctx.homeDir ? { homeDir: ctx.homeDir } : {}) }));
  sink.dispatcher = new ApiDispatcher(api.handlers, api.checks);
  return sink.dispatcher;
}
