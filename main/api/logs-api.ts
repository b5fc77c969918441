// The session-log settings API (shared/session-logs.ts): read and change the
// global mode and caps, choose the folder through main's own dialog, go back
// to the data folder, show the folder. No call takes a path: the page cannot
// make main write anywhere (docs/SECURITY.md, SSH 11).
import { LOG_API_METHODS, type LogApiMethods } from '../../shared/session-logs.js';
import { checkLogSettings, type SessionLogs } from '../logs/session-logs.js';
import { noParams, type ApiModule } from './dispatcher.js';
import { arity, badRequest } from './param-checks.js';

type LogMethod = (typeof LOG_API_METHODS)[number] & keyof LogApiMethods;

/** The logs.* methods over one SessionLogs. logs.update rejects anything but valid settings with API_BAD_REQUEST. */
export function logsApi(logs: SessionLogs): ApiModule<LogMethod> {
  return {
    handlers: {
      'logs.settings': () => logs.info(),
      'logs.update': (settings) => logs.update(settings),
      'logs.chooseFolder': () => logs.chooseFolder(),
      'logs.useDataFolder': () => logs.useDataFolder(),
      'logs.openFolder': async () => (await logs.openFolder(), null),
    },
    checks: {
      'logs.settings': noParams,
      'logs.update': (p) => {
        arity(p, 1);
        const s = checkLogSettings(p[0]);
        if (s === null) throw badRequest('the session-log settings need a mode and whole MiB caps within their limits');
        return [s];
      },
      'logs.chooseFolder': noParams,
      'logs.useDataFolder': noParams,
      'logs.openFolder': noParams,
    },
  };
}
