// A real OpenSSH sshd on a loopback address and an OS-chosen port, with its
// own config, host key, log and authorized keys. Nothing global is touched
// but the two test accounts (see users.ts) and /run/sshd.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync, chmodSync, rmSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { captureOutput, descendants, killTree, makeTempDir, startTracked, type Tracked } from './processes.js';
import { freePort, waitForBanner } from './net.js';
import { KEY_USER, PASSWORD, PASSWORD_USER } from './users.js';
import { appendKnownHost, hostLookupName } from '../../main/ssh/known-hosts.js';

export type HostKeyType = 'ed25519' | 'ecdsa' | 'rsa';

export interface SshdOptions {
  /** Loopback address to listen on (127.0.0.2 makes a host only a jump hop can reach). */
  host?: string;
  hostKeyType?: HostKeyType;
  /** Extra sshd_config lines, appended after the defaults. */
  extraConfig?: string[];
  /**
   * Authenticate through PAM (Debian's stock "sshd" service) with
   * keyboard-interactive on, for tests of server prompts. sshd keeps the first
   * value of a keyword, so this has to replace the defaults, not follow them.
   */
  pam?: boolean;
}

export interface Sshd {
  host: string;
  port: number;
  dir: string;
  keyUser: string;
  passwordUser: string;
  password: string;
  /** OpenSSH-format private key (unencrypted ed25519) accepted for keyUser. */
  clientKeyPath: string;
  clientKey: Buffer;
  /** Host public key as "type base64". */
  hostPublicKey(): string;
  /** SHA256 fingerprint exactly as `ssh-keygen -lf` prints it ("SHA256:..."). */
  hostKeyFingerprint(): string;
  /** sshd's own log (LogLevel VERBOSE): assert on authentication attempts. */
  log(): string;
  /** Adds a public key line to a user's authorized_keys. */
  authorize(user: string, publicKeyLine: string): void;
  /** Stops sshd, makes a new host key, starts again on the same port. */
  restartWithNewHostKey(type?: HostKeyType): Promise<void>;
  /** Kills sshd and every session it forked, as a crash or power loss would. */
  kill(): Promise<void>;
  stop(): Promise<void>;
}

const SSHD = '/usr/sbin/sshd';

export function generateKey(
  path: string,
  type: HostKeyType,
  passphrase = '',
  comment = 'hostdeck-test',
  format?: 'PEM',
): void {
  rmSync(path, { force: true });
  rmSync(`${path}.pub`, { force: true });
  const args = ['-q', '-t', type, '-N', passphrase, '-C', comment, '-f', path];
  if (type === 'rsa') args.push('-b', '2048');
  if (format) args.push('-m', format);
  execFileSync('ssh-keygen', args, { stdio: 'ignore' });
}

export async function startSshd(opts: SshdOptions = {}): Promise<Sshd> {
  if (!existsSync(SSHD)) throw new Error('sshd not found: install openssh-server (.ci/run does)');
  mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
  const host = opts.host ?? '127.0.0.1';
  const dir = makeTempDir('sshd');
  const port = await freePort(host);
  const hostKeyPath = join(dir, 'host_key');
  const logPath = join(dir, 'sshd.log');
  const authDir = join(dir, 'authorized_keys');
  // sshd reads authorized_keys as the logging-in user, so the path to it must
  // be traversable by the test accounts (the host key stays 0600, root only).
  chmodSync(dir, 0o711);
  mkdirSync(authDir, { mode: 0o755 });
  generateKey(hostKeyPath, opts.hostKeyType ?? 'ed25519');
  const clientKeyPath = join(dir, 'client_ed25519');
  generateKey(clientKeyPath, 'ed25519');
  writeFileSync(join(authDir, KEY_USER), readFileSync(`${clientKeyPath}.pub`));
  writeFileSync(join(authDir, PASSWORD_USER), '');

  const cfgPath = join(dir, 'sshd_config');
  const config = [
    `Port ${port}`,
    `ListenAddress ${host}`,
    `HostKey ${hostKeyPath}`,
    `PidFile ${join(dir, 'sshd.pid')}`,
    `AuthorizedKeysFile ${authDir}/%u`,
    'StrictModes no',
    `UsePAM ${opts.pam ? 'yes' : 'no'}`,
    'PubkeyAuthentication yes',
    'PasswordAuthentication yes',
    `KbdInteractiveAuthentication ${opts.pam ? 'yes' : 'no'}`,
    'PermitRootLogin no',
    `AllowUsers ${KEY_USER} ${PASSWORD_USER}`,
    'LogLevel VERBOSE',
    'MaxStartups 100:30:200',
    'MaxSessions 64',
    'AcceptEnv LANG LC_*',
    'AllowTcpForwarding yes',
    'Subsystem sftp internal-sftp',
    ...(opts.extraConfig ?? []),
  ].join('\n');
  writeFileSync(cfgPath, `${config}\n`);
  chmodSync(hostKeyPath, 0o600);
  execFileSync(SSHD, ['-t', '-f', cfgPath], { stdio: 'pipe' });

  let proc: Tracked | undefined;
  const launch = async (): Promise<void> => {
    // -D: stay in the foreground so we own the process; -E: log to a file.
    const p = startTracked(SSHD, ['-D', '-E', logPath, '-f', cfgPath]);
    const output = captureOutput(p.child);
    proc = p;
    try {
      await waitForBanner(host, port, 'SSH-2.0-', 15000, () => p.child.exitCode === null);
    } catch (err) {
      await p.stop('SIGKILL');
      const log = existsSync(logPath) ? readFileSync(logPath, 'utf8').slice(-2000) : '';
      throw new Error(`sshd did not start: ${(err as Error).message}\n${output()}\n${log}`);
    }
  };
  await launch();

  const killAll = async (): Promise<void> => {
    // Sessions are forked children of sshd that rename themselves
    // ("sshd: user [priv]"), so kill the listener's whole process tree.
    if (proc?.child.pid !== undefined) killTree(proc.child.pid);
    await proc?.stop('SIGKILL');
  };

  return {
    host,
    port,
    dir,
    keyUser: KEY_USER,
    passwordUser: PASSWORD_USER,
    password: PASSWORD,
    clientKeyPath,
    clientKey: readFileSync(clientKeyPath),
    hostPublicKey: () => readFileSync(`${hostKeyPath}.pub`, 'utf8').trim().split(/\s+/).slice(0, 2).join(' '),
    hostKeyFingerprint: () =>
      execFileSync('ssh-keygen', ['-lf', `${hostKeyPath}.pub`], { encoding: 'utf8' }).split(/\s+/)[1] ?? '',
    log: () => (existsSync(logPath) ? readFileSync(logPath, 'utf8') : ''),
    authorize: (user, line) => writeFileSync(join(authDir, user), `${line.trim()}\n`, { flag: 'a' }),
    async restartWithNewHostKey(type) {
      await killAll();
      generateKey(hostKeyPath, type ?? opts.hostKeyType ?? 'ed25519');
      chmodSync(hostKeyPath, 0o600);
      await launch();
    },
    kill: killAll,
    async stop() {
      await killAll();
    },
  };
}

/** How many clean disconnects ("Received disconnect from") sshd logged after `mark`, a length of sshd.log() taken before. */
export function disconnectsSince(sshd: Pick<Sshd, 'log'>, mark: number): number {
  return (
    sshd
      .log()
      .slice(mark)
      .match(/Received disconnect from /g) ?? []
  ).length;
}

/**
 * The options every OpenSSH client run (ssh, sftp) against a rig sshd shares:
 * no user config, never a question (BatchMode), errors only, only the keys
 * given with -i. With `knownHosts` the host key must be in that file
 * (StrictHostKeyChecking=yes, as a careful person runs it); without it, it is
 * not checked at all (a throwaway reference login). The port (-p for ssh, -P
 * for sftp), key and destination are the caller's.
 */
export function opensshOptions(knownHosts?: string): string[] {
  const hostKey = knownHosts
    ? [`UserKnownHostsFile=${knownHosts}`, 'StrictHostKeyChecking=yes']
    : ['UserKnownHostsFile=/dev/null', 'StrictHostKeyChecking=no'];
  return [
    '-F',
    '/dev/null',
    ...[...hostKey, 'BatchMode=yes', 'IdentitiesOnly=yes', 'LogLevel=ERROR'].flatMap((o) => ['-o', o]),
  ];
}

/**
 * The processes sshd forked for its connections (per connection, the "[priv]"
 * monitor, the user child that owns the socket, and the shell): every
 * descendant of the listener, whose pid sshd writes to its PidFile.
 */
export function connectionProcesses(sshd: Pick<Sshd, 'dir'>): number[] {
  return descendants(Number(readFileSync(join(sshd.dir, 'sshd.pid'), 'utf8')));
}

/** Appends sshd's host key to a known_hosts file in OpenSSH's format (`[host]:port type key`, name not hashed). */
export function trustSshd(file: string, sshd: Pick<Sshd, 'host' | 'port' | 'hostPublicKey'>): void {
  const [type, b64] = sshd.hostPublicKey().split(' ') as [string, string];
  appendKnownHost(file, hostLookupName(sshd.host, sshd.port), type, Buffer.from(b64, 'base64'), false);
}
