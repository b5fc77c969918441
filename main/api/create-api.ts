// Composes the API from the services. Plain Node: used unchanged by the
// desktop shell (main/app) and by serve mode (main/serve).
import { ApiDispatcher, noParams } from './dispatcher.js';
import { nativeStatus } from './native.js';
import type { AppInfo } from '../../shared/api/contract.js';

export interface ApiContext {
  mode: AppInfo['mode'];
  version: string;
  gatewayPort: () => number;
}

export function createApi(ctx: ApiContext): ApiDispatcher {
  return new ApiDispatcher(
    {
      'app.info': () => ({
        name: 'Hostdeck',
        version: ctx.version,
        mode: ctx.mode,
        platform: process.platform,
        native: nativeStatus(),
        gatewayPort: ctx.gatewayPort(),
      }),
    },
    { 'app.info': noParams },
  );
}
