// One runtime profile of the tunnels bench, in a process of its own:
//   node --import tsx bench/tunnels-profile.ts '<TunnelProfileConfig JSON>'
// With runtime 'electron' it first applies the Electron runtime model
// (test/support/electron-runtime.ts: BoringSSL's cipher set, ssh2's
// OpenSSL-built binding refused) and only then loads ssh2, as the desktop app
// runs it. It starts Hostdeck's local forward to the target and a dynamic
// (SOCKS5) forward on one pooled connection, prints one JSON line (where they
// listen, what was negotiated), and runs until its standard input closes.
import { applyElectronRuntimeModel } from '../test/support/electron-runtime.js';

export interface TunnelProfileConfig {
  runtime: 'electron' | 'node';
  host: string;
  port: number;
  user: string;
  keyPath: string;
  knownHosts: string;
  targetPort: number;
}

export interface TunnelProfileReady {
  localPort: number;
  socksPort: number;
  binding: boolean;
  cipher: string;
}

const config = JSON.parse(process.argv[2] ?? '{}') as TunnelProfileConfig;
if (config.runtime === 'electron') applyElectronRuntimeModel();

const { createRequire } = await import('node:module');
const { SshConnection } = await import('../main/ssh/connection.js');
const { HostKeyTrust } = await import('../main/ssh/host-key-trust.js');
const { ConnectionPool } = await import('../main/ssh/pool.js');
const { TunnelManager } = await import('../main/tunnels/tunnel-manager.js');

const binding =
  (createRequire(import.meta.url)('ssh2/lib/protocol/crypto.js') as { bindingAvailable?: boolean }).bindingAvailable ===
  true;
let cipher = '';
const pool = new ConnectionPool();
const trust = new HostKeyTrust({ ownFile: config.knownHosts, userFiles: [] });
const connect = () =>
  SshConnection.connect({
    host: config.host,
    port: config.port,
    username: config.user,
    keyFiles: [{ path: config.keyPath }],
    agent: false,
    trust,
    askHostKey: async () => false,
    onHandshake: (n) => (cipher = (n as { cs: { cipher: string } }).cs.cipher),
  });
const host = {
  id: 'bench',
  name: 'bench',
  protocol: 'ssh',
  forwards: [
    {
      id: 'L',
      kind: 'local',
      bindAddress: '127.0.0.1',
      bindPort: 0,
      targetHost: '127.0.0.1',
      targetPort: config.targetPort,
    },
    { id: 'D', kind: 'dynamic', bindAddress: '127.0.0.1', bindPort: 0 },
  ],
} as unknown as import('../shared/model/host.js').SavedHost;
const manager = new TunnelManager({
  hosts: { getHost: () => host, listHosts: () => [host] },
  lease: () => pool.acquire('bench', connect),
  changed: () => undefined,
});
const local = await manager.start('bench', 'L', 'bench');
const socks = await manager.start('bench', 'D', 'bench');
if (local.state !== 'active' || socks.state !== 'active')
  throw new Error(`forwards did not start: ${JSON.stringify([local.error, socks.error])}`);
const ready: TunnelProfileReady = {
  localPort: local.listening?.port as number,
  socksPort: socks.listening?.port as number,
  binding,
  cipher,
};
process.stdout.write(`${JSON.stringify(ready)}\n`);
process.stdin.resume();
process.stdin.once('end', () => {
  void manager
    .dispose()
    .then(() => pool.closeAll())
    .then(() => process.exit(0));
});
