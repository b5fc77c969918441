// One runtime profile of the tunnels bench, in a process of its own:
//   node --import tsx bench/tunnels-profile.ts '<TunnelProfileConfig JSON>'
// With runtime 'electron' it first applies the Electron runtime model
// (test/support/electron-runtime.ts: BoringSSL's cipher set, ssh2's
// OpenSSL-built binding refused) and only then loads ssh2, as the desktop app
// runs it. It starts Hostdeck's local forward to the target and a dynamic
// (SOCKS5) forward on one pooled connection, prints one JSON line (where they
// listen, what was negotiated), and runs until its standard input closes.
import { applyElectronRuntimeModel } from '../test/support/electron-runtime.js';
import type { ProfileTarget } from './profile-rig.js';

export interface TunnelProfileConfig extends ProfileTarget {
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

const { SshConnection } = await import('../main/ssh/connection.js');
const { HostKeyTrust } = await import('../main/ssh/host-key-trust.js');
const { ConnectionPool } = await import('../main/ssh/pool.js');
const { TunnelManager } = await import('../main/tunnels/tunnel-manager.js');
const { nativeStatus } = await import('../main/api/native.js');
const { keyLogin } = await import('./ssh-measure.js');
const { forwardingHost, loopbackLocalForward } = await import('./tunnels-rig.js');

const binding = nativeStatus().sshCrypto;
let cipher = '';
const pool = new ConnectionPool();
const trust = new HostKeyTrust({ ownFile: config.knownHosts, userFiles: [] });
// Both directions' cipher as ssh2 negotiated them (the download is server to
// client), written once when they agree.
const connect = () =>
  SshConnection.connect({
    ...keyLogin(config, trust),
    onHandshake: (n: unknown) => {
      const { cs, sc } = n as Record<'cs' | 'sc', { cipher: string }>;
      cipher = cs.cipher === sc.cipher ? cs.cipher : `${cs.cipher} up, ${sc.cipher} down`;
    },
  });
const host = forwardingHost('bench', [
  loopbackLocalForward('L', config.targetPort),
  { id: 'D', kind: 'dynamic', bindAddress: '127.0.0.1', bindPort: 0 },
]);
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
