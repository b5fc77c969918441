// Composes the API from the services. Plain Node: used unchanged by the
// desktop shell (main/app) and by serve mode (main/serve).
import { ApiDispatcher, joinModules, noParams, type ApiModule } from './dispatcher.js';
import { nativeStatus } from './native.js';
import { bookApi } from './book-api.js';
import { sessionsApi, type SessionsContext } from './sessions-api.js';
import { tunnelsApi } from './tunnels-api.js';
import { filesApi, type FilesContext } from './files-api.js';
import { vncTlsCapabilities } from '../vnc/index.js';
import { logsApi } from './logs-api.js';
import { SessionLogs, type SessionLogsOptions } from '../logs/session-logs.js';
import { dirname } from 'node:path';
import type { AppInfo, ApiEventName, ApiEvents, ApiMethodName } from '../../shared/api/contract.js';
import type { AddressBookStore } from '../store/address-book-store.js';
import type { Gateway } from '../gateway/gateway.js';
import type { LocalHandle } from '../../shared/sftp.js';

/** What the API needs from its host process: the store, the gateway, and for the desktop the native file dialog. */
export interface ApiContext {
  mode: AppInfo['mode'];
  version: string;
  gatewayPort: () => number;
  store: AddressBookStore;
  /** The gateway tickets go to (read lazily: serve mode starts it after the page's origin is known). */
  gateway: () => Gateway;
  homeDir?: string;
  /** Test hooks for the SSH side (short keepalive, known_hosts files). */
  ssh?: Pick<SessionsContext, 'keepaliveInterval' | 'userKnownHosts'>;
  /** The connect log: one line per VNC connection (default: standard error). */
  log?: (line: string) => void;
  /**
   * Desktop: the native open dialog for local files (absolute paths the
   * person chose; [] when cancelled). Absent in serve mode, where the browser
   * itself reads and writes local files.
   */
  pickLocal?: FilesContext['pickLocal'];
  /** Desktop: the native folder dialog and the file manager, for the session-logs folder. */
  logFolder?: Pick<SessionLogsOptions, 'pickFolder' | 'openFolder'>;
  /** Test hook: how session-log files are opened (main/logs/log-file.ts). */
  logOpen?: SessionLogsOptions['open'];
  /** Test and bench hook: the SFTP engine's request sizes and parallelism. */
  sftp?: Pick<FilesContext, 'pipe' | 'filesInParallel' | 'itemsInParallel'>;
}

/** The assembled API: one dispatcher for either transport, and how to end everything it started. */
export interface Api {
  dispatcher: ApiDispatcher;
  /**
   * Desktop OS drops: handles for absolute paths the preload took from a
   * trusted drop (webUtils.getPathForFile). Paths that cannot be read are left out.
   */
  localHandles(paths: string[]): LocalHandle[];
  /** Ends every session, prompt and pooled connection. */
  dispose(): Promise<void>;
  /**
   * The machine woke from sleep: tells the page ('app.resumed', so tabs
   * waiting to reconnect try now) and checks every pooled SSH connection,
   * so one that died in the sleep ends within WAKE_PROBE_MS and its tabs
   * reconnect, instead of after the keepalive's full count.
   */
  resumed(): void;
}

/** Milliseconds a pooled SSH connection has to answer a check after the machine wakes. */
export const WAKE_PROBE_MS = 5_000;

function appApi(ctx: Pick<ApiContext, 'version' | 'mode' | 'gatewayPort'>): ApiModule<'app.info'> {
  return {
    handlers: {
      'app.info': () => ({
        name: 'Hostdeck',
        version: ctx.version,
        mode: ctx.mode,
        platform: process.platform,
        native: nativeStatus(),
        gatewayPort: ctx.gatewayPort(),
        tls: { anonymous: vncTlsCapabilities().anonymousTls },
      }),
    },
    checks: { 'app.info': noParams },
  };
}

/** Builds every API module (app, book, import, secrets, sessions, tunnels, files, logs) behind one dispatcher. */
export function createApi(ctx: ApiContext): Api {
  // Events need the dispatcher and the dispatcher needs the modules: the
  // modules get an emit that forwards once it exists.
  const sink: { dispatcher?: ApiDispatcher } = {};
  const emit = <E extends ApiEventName>(event: E, payload: ApiEvents[E]): void => sink.dispatcher?.emit(event, payload);
  const home = ctx.homeDir ? { homeDir: ctx.homeDir } : {};
  const logs = new SessionLogs({
    dataDir: dirname(ctx.store.path),
    notify: (notice) => emit('logs.notice', notice),
    ...ctx.logFolder,
    ...(ctx.logOpen ? { open: ctx.logOpen } : {}),
  });
  const sessions = sessionsApi({
    logs,
    store: ctx.store,
    gateway: ctx.gateway,
    emit,
    ...home,
    ...ctx.ssh,
    ...(ctx.log ? { log: ctx.log } : {}),
  });
  const tunnels = tunnelsApi({ store: ctx.store, ssh: sessions.ssh, emit });
  const files = filesApi({
    emit: (event, payload) => sink.dispatcher?.emit(event, payload as ApiEvents[typeof event]),
    leaseHost: (hostId, openId) => sessions.leaseHost(hostId, openId),
    leaseSession: (sessionId) => sessions.leaseSession(sessionId),
    gateway: ctx.gateway,
    ...(ctx.pickLocal ? { pickLocal: ctx.pickLocal } : {}),
    ...ctx.sftp,
  });
  // Typed as the whole contract: a method without a handler and a check does not compile.
  const api: ApiModule<ApiMethodName> = joinModules(
    appApi(ctx),
    bookApi({ store: ctx.store, emit, ...home }),
    sessions,
    tunnels,
    files,
    logsApi(logs),
  );
  sink.dispatcher = new ApiDispatcher(api.handlers, api.checks);
  // Forwards and transfers first: their leases and channels go back before the pool closes.
  const dispose = async (): Promise<void> => {
    await tunnels.dispose();
    await files.dispose();
    await sessions.dispose();
    await logs.dispose();
  };
  const localHandles = (paths: string[]): LocalHandle[] =>
    paths.flatMap((p) => {
      try {
        return [files.service.handles.issue(p)];
      } catch {
        return [];
      }
    });
  const resumed = (): void => {
    emit('app.resumed', { reason: 'resume' });
    void sessions.pool.probeAll(WAKE_PROBE_MS);
  };
  return { dispatcher: sink.dispatcher, dispose, localHandles, resumed };
}
