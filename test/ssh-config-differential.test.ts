// ssh_config import against OpenSSH itself (ssh -G): for every fixture
// config, every host Hostdeck imports is compared with what OpenSSH 9.2
// resolves for the same name: `ssh -G -F <file> <name>` for the user, host
// name, port, identity files and ProxyJump, and `ssh -v` (connecting through
// `ProxyCommand false`, so nothing leaves the machine) for the identity file
// paths after ~, ${VAR} and %-token expansion, which -G prints unexpanded.
// LocalForward, RemoteForward and DynamicForward are compared with the
// forwards -G lists (a bind left out made explicit as ssh binds it: loopback
// under GatewayPorts no; "*" or empty: every interface), and ForwardAgent
// with -G's forwardagent; forwards Hostdeck leaves out with a note (Unix
// sockets, RemoteForward without a target) are not compared.
// Jump hosts are followed the way ssh follows them: `ProxyJump a,b` runs
// `ssh -J a … b`, so a's own ProxyJump applies and b's does not. HOME points
// at a temp folder so the person's own files never leak in; ssh expands `~`
// and %d from the password database, and so does this test.
import { execFile } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, userInfo } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import type { ImportDraft } from '../main/store/import/import-plan.js';
import { readSshConfig } from '../main/store/import/ssh-config.js';
import { makeTempDir } from './support/processes.js';

const run = promisify(execFile);
const root = makeTempDir('ssh-config-diff');
afterAll(() => rmSync(root, { recursive: true, force: true }));

const me = userInfo();
const DEFAULT_KEYS = ['id_rsa', 'id_ecdsa', 'id_ecdsa_sk', 'id_ed25519', 'id_ed25519_sk', 'id_xmss', 'id_dsa'].map(
  (k) => `~/.ssh/${k}`,
);

interface Fixture {
  name: string;
  /** The config; "@DIR@" is the fixture's folder (Includes must be absolute: ssh resolves relative ones under the real ~/.ssh). */
  config: string;
  files?: Record<string, string>;
  /** Aliases that must be skipped (with a reason containing the text, when given). */
  skipped?: Record<string, string>;
  /** Aliases that must not appear at all (neither imported nor listed). */
  absent?: string[];
  /** At least this many hosts are compared (default 1). */
  minCompared?: number;
}

/** What OpenSSH makes of one destination, and Hostdeck's draft reduced to the same fields. */
interface Endpoint {
  user: string;
  hostname: string;
  port: number;
  /** Explicit identity files, expanded; [] when ssh would fall back to its defaults. */
  keys: string[];
  chain: Array<Omit<Endpoint, 'chain' | 'forwards' | 'forwardAgent'>>;
  /** "kind bind:port target:port", sorted; bind and target lower-case, without brackets. */
  forwards: string[];
  forwardAgent: boolean;
}

/** One -G forward line ("localforward [127.0.0.1]:8081 [::1]:81") in the compared form, or undefined when Hostdeck leaves it out. */
function sshGForward(kind: string, value: string, gatewayPorts: boolean): string | undefined {
  const [listen = '', target] = value.split(' ');
  if (listen.startsWith('/') || target?.startsWith('/') || target === '[socks]:0') return undefined;
  const m = /^(?:\[([^\]]*)\]:)?([^:]+)$/.exec(listen);
  if (!m || !/^\d+$/.test(m[2] as string)) return undefined;
  const t = target === undefined ? undefined : /^\[([^\]]*)\]:(.+)$/.exec(target);
  if (target !== undefined && (!t || !/^\d+$/.test(t[2] as string))) return undefined;
  const written = m[1];
  const bind =
    written === '' || written === '*' || (written === undefined && gatewayPorts)
      ? '0.0.0.0'
      : (written ?? (kind === 'remoteforward' ? 'localhost' : '127.0.0.1'));
  const k = kind.replace('forward', '');
  return `${k} ${bind.toLowerCase()}:${m[2]}${t ? ` ${(t[1] as string).toLowerCase()}:${t[2]}` : ''}`;
}

async function sshG(
  cfg: string,
  env: NodeJS.ProcessEnv,
  target: string,
  user?: string,
  port?: number,
): Promise<Map<string, string[]>> {
  const args = ['-G', '-F', cfg, ...(user ? ['-l', user] : []), ...(port ? ['-p', String(port)] : []), '--', target];
  const { stdout } = await run('ssh', args, { env });
  const out = new Map<string, string[]>();
  for (const line of stdout.split('\n')) {
    const sp = line.indexOf(' ');
    if (sp === -1) continue;
    const k = line.slice(0, sp);
    out.set(k, [...(out.get(k) ?? []), line.slice(sp + 1)]);
  }
  return out;
}

/** Identity files as ssh loads them (after expansion), from its debug log. */
async function sshKeys(
  cfg: string,
  env: NodeJS.ProcessEnv,
  target: string,
  user?: string,
  port?: number,
): Promise<string[]> {
  const args = [
    '-v',
    '-F',
    cfg,
    '-o',
    'ProxyCommand=false',
    '-o',
    'BatchMode=yes',
    ...(user ? ['-l', user] : []),
    ...(port ? ['-p', String(port)] : []),
    '--',
    target,
    'true',
  ];
  const stderr = await run('ssh', args, { env, timeout: 20_000 }).then(
    (r) => r.stderr,
    (err: { stderr?: string }) => err.stderr ?? '',
  );
  return [...stderr.matchAll(/^debug1: identity file (.*) type -?\d+$/gm)]
    .map((m) => m[1] as string)
    .filter((f) => !f.endsWith('-cert'));
}

function parseHop(spec: string): { user?: string; host: string; port?: number } {
  const at = spec.lastIndexOf('@');
  const user = at === -1 ? undefined : spec.slice(0, at);
  const rest = at === -1 ? spec : spec.slice(at + 1);
  const m = /^\[(.+)\](?::(\d+))?$/.exec(rest) ?? /^([^:]+)(?::(\d+))?$/.exec(rest);
  if (!m) throw new Error(`ssh -G printed a hop this test cannot read: ${spec}`);
  return { ...(user ? { user } : {}), host: m[1] as string, ...(m[2] ? { port: Number(m[2]) } : {}) };
}

async function openssh(
  cfg: string,
  env: NodeJS.ProcessEnv,
  target: string,
  user?: string,
  port?: number,
  depth = 0,
): Promise<Endpoint> {
  const g = await sshG(cfg, env, target, user, port);
  const listed = g.get('identityfile') ?? [];
  const defaults = listed.length === DEFAULT_KEYS.length && listed.every((k, i) => k === DEFAULT_KEYS[i]);
  const keys = defaults ? [] : await sshKeys(cfg, env, target, user, port);
  const gatewayPorts = g.get('gatewayports')?.[0] === 'yes';
  // -G also lists a LocalForward to a Unix socket under dynamicforward (its dump
  // prints every local forward with no connect host there); that is not a SOCKS proxy.
  const socketListens = new Set(
    (g.get('localforward') ?? []).filter((v) => v.split(' ')[1]?.startsWith('/')).map((v) => v.split(' ')[0]),
  );
  const forwards = ['localforward', 'remoteforward', 'dynamicforward'].flatMap((k) =>
    (g.get(k) ?? [])
      .filter((v) => k !== 'dynamicforward' || !socketListens.has(v))
      .map((v) => sshGForward(k, v, gatewayPorts))
      .filter((x): x is string => x !== undefined),
  );
  const e: Endpoint = {
    user: g.get('user')?.[0] ?? '',
    hostname: g.get('hostname')?.[0] ?? '',
    port: Number(g.get('port')?.[0]),
    keys,
    chain: [],
    forwards: forwards.sort(),
    forwardAgent: (g.get('forwardagent')?.[0] ?? 'no') !== 'no',
  };
  const pj = g.get('proxyjump')?.[0];
  if (pj !== undefined && depth < 10) {
    const hops = pj.split(',').map(parseHop);
    const [first, ...rest] = hops;
    const head = await openssh(cfg, env, first!.host, first!.user, first!.port, depth + 1);
    e.chain.push(...head.chain, strip(head));
    for (const h of rest) e.chain.push(strip(await openssh(cfg, env, h.host, h.user, h.port, depth + 1)));
  }
  return e;
}

function strip(e: Endpoint): Omit<Endpoint, 'chain' | 'forwards' | 'forwardAgent'> {
  return { user: e.user, hostname: e.hostname, port: e.port, keys: e.keys };
}

function hostdeck(d: ImportDraft, byRef: Map<string, ImportDraft>): Endpoint {
  const keysOf = (x: ImportDraft): string[] => {
    if (x.host.auth?.type !== 'privateKey') return [];
    // The model keeps one key; the others are named in the note, in order.
    const more = /\(([^)]*)\); a Hostdeck host keeps one/.exec(x.note ?? '')?.[1]?.split(', ');
    return more ?? [x.host.auth.path];
  };
  const one = (x: ImportDraft): Omit<Endpoint, 'chain' | 'forwards' | 'forwardAgent'> => ({
    user: x.host.username ?? me.username,
    hostname: x.host.address,
    port: x.host.port,
    keys: keysOf(x),
  });
  const forwards = (d.host.forwards ?? []).map(
    (f) =>
      `${f.kind === 'local' ? 'local' : f.kind === 'remote' ? 'remote' : 'dynamic'} ${f.bindAddress}:${f.bindPort}${f.targetHost === undefined ? '' : ` ${f.targetHost}:${f.targetPort}`}`,
  );
  return {
    ...one(d),
    forwards: forwards.sort(),
    forwardAgent: d.host.forwardAgent === true,
    chain: (d.jumpRefs ?? []).map((r) => {
      const hop = byRef.get(r);
      if (hop === undefined) throw new Error(`jump ref ${r} has no draft`);
      return one(hop);
    }),
  };
}

const fixtures: Fixture[] = [
  { name: 'plain host', config: 'Host a\n  HostName a.example.com\n  User alice\n  Port 2222\n' },
  {
    name: 'first value wins',
    config:
      'Host a\n  User first\n  User second\n  Port 1001\nHost a\n  Port 1002\n  HostName h1.example\n  HostName h2.example\n',
  },
  {
    name: 'Host * defaults at the end',
    config:
      'Host a\n  User alice\nHost b\n  Port 2200\nHost *\n  User dflt\n  Port 2300\n  IdentityFile ~/.ssh/id_all\n',
    minCompared: 2,
  },
  {
    name: 'Host * at the top overrides everything',
    config: 'Host *\n  User top\nHost a\n  User alice\n  HostName a.example\n',
  },
  {
    name: 'options before any Host apply to all',
    config: 'User global\nPort 2022\nHost a b\n  User alice\n',
    minCompared: 2,
  },
  {
    name: 'patterns with * and ?',
    config: 'Host web?\n  User w\nHost *.corp\n  Port 2201\nHost web1 db.corp app.corp.example\n  HostName x.example\n',
    minCompared: 3,
  },
  {
    name: 'negated patterns',
    config: 'Host *.corp !skip.corp\n  User corp\nHost build.corp skip.corp\n  Port 2201\n',
    minCompared: 2,
  },
  {
    name: 'negation on the same line',
    config: 'Host a !b b\n  User ab\nHost b\n  Port 2\nHost a\n  Port 1\n',
    minCompared: 2,
  },
  {
    name: 'Host patterns are case-sensitive',
    config: 'Host Foo\n  User upper\nHost foo\n  Port 2002\nHost FOO*\n  Port 2003\nHost *\n  User lower\n',
    minCompared: 2,
  },
  {
    name: 'keyword case and = separators',
    config: 'HOST a\n  hOsTnAmE=a.example\n  USER = alice\n  port   =2200\nHost=b\n  User= bob\n',
    minCompared: 2,
  },
  {
    name: 'quoted arguments',
    config:
      'Host "a" b\n  HostName "a.example.com"\n  User \'alice\'\n  IdentityFile "~/.ssh/my key"\nHost b\n  User "bob"\n',
    minCompared: 2,
  },
  {
    name: 'comments and blank lines',
    config:
      '# top\n\nHost a # trailing comment\n\t# indented comment\n  User alice # who\n\n  Port 2200\n#Host hidden\n',
    absent: ['hidden'],
  },
  { name: 'tabs and CRLF', config: 'Host a\r\n\tUser\talice\r\n\tPort\t2222\r\n' },
  {
    name: 'HostName with %h',
    config: 'Host web1 web2\n  HostName %h.internal.example\nHost db\n  HostName db-%h.example\n',
    minCompared: 3,
  },
  {
    name: 'HostName %h from a pattern block',
    config: 'Host *.lab\n  HostName %h.example.net\nHost gw.lab box.lab\n  User ops\n',
    minCompared: 2,
  },
  { name: 'upper-case HostName is lower-cased', config: 'Host Foo\n  HostName MixedCase.Example.COM\n' },
  {
    name: 'IdentityFile tokens %d %h %p %r %u %%',
    config:
      'Host t\n  HostName t.example\n  User bob\n  Port 2022\n  IdentityFile %d/.ssh/id_y\n  IdentityFile ~/keys/%h_%p_%r_%u_%%\n',
  },
  {
    name: 'IdentityFile tokens %n %k %L %l %i %C',
    config:
      'Host t Other\n  HostName srv.example\n  IdentityFile ~/k_%n_%k_%L_%l_%i\n  IdentityFile ~/c_%C\nHost Other\n  HostKeyAlias other-alias\n',
    minCompared: 2,
  },
  {
    name: 'IdentityFile ~ alone and ${HOME}',
    config: 'Host t\n  IdentityFile ${HOME}/.ssh/env_key\n  IdentityFile ~/.ssh/tilde_key\n',
  },
  {
    name: 'several IdentityFiles, duplicates dropped',
    config: 'Host t\n  IdentityFile ~/a\n  IdentityFile ~/b\n  IdentityFile ~/a\nHost *\n  IdentityFile ~/c\n',
  },
  {
    name: 'IdentityFile none',
    config: 'Host n\n  IdentityFile none\nHost m\n  IdentityFile none\n  IdentityFile ~/.ssh/after_none\n',
    minCompared: 2,
  },
  {
    name: 'ProxyJump to an alias',
    config:
      'Host bastion\n  HostName bastion.example.com\n  User ops\n  Port 2222\nHost app\n  HostName app.internal\n  ProxyJump bastion\n',
    minCompared: 2,
  },
  {
    name: 'ProxyJump to a name defined only by a pattern',
    config: 'Host *.lab\n  HostName 127.0.0.1\n  Port 2201\nHost t\n  ProxyJump gw.lab\n',
  },
  {
    name: 'ProxyJump chain with user, port and IPv6',
    config:
      'Host bastion\n  HostName bastion.example\nHost db\n  HostName 10.0.0.9\n  ProxyJump bastion,admin@hop.example.com:2200,u@[2001:db8::5]:2201\n',
    minCompared: 2,
  },
  { name: 'ProxyJump ssh:// URI', config: 'Host t\n  ProxyJump ssh://jumper@jump.example:2022\n' },
  {
    name: 'ProxyJump overrides a hop user and port from config',
    config: 'Host hop\n  User cfguser\n  Port 2300\n  HostName hop.example\nHost t\n  ProxyJump other@hop:2400\n',
    minCompared: 2,
  },
  {
    name: 'first hop keeps its own ProxyJump',
    config:
      'Host outer\n  HostName outer.example\nHost inner\n  HostName inner.example\n  ProxyJump outer\nHost t\n  ProxyJump inner\n',
    minCompared: 3,
  },
  {
    name: 'later hops lose their own ProxyJump',
    config:
      'Host x\n  HostName x.example\nHost y\n  HostName y.example\n  ProxyJump x\nHost a\n  HostName a.example\nHost t\n  ProxyJump a,y\n',
    minCompared: 4,
  },
  {
    name: 'ProxyJump from Host * and ProxyJump none',
    config:
      'Host j\n  HostName j.example\n  ProxyJump none\nHost direct\n  ProxyJump none\nHost t\nHost *\n  ProxyJump j\n',
    minCompared: 3,
  },
  {
    name: 'ProxyJump before ProxyCommand wins',
    config: 'Host t\n  ProxyJump j\nHost j\n  HostName j.example\n  ProxyJump none\nHost *\n  ProxyCommand nc %h %p\n',
    minCompared: 2,
  },
  {
    name: 'ProxyCommand before ProxyJump is skipped',
    config:
      'Host legacy\n  ProxyCommand nc -X connect %h %p\nHost ok\n  HostName ok.example\nHost j.example\n  ProxyJump none\nHost *\n  ProxyJump j.example\n',
    skipped: { legacy: 'ProxyCommand' },
  },
  {
    name: 'a jump host that needs ProxyCommand is refused',
    config: 'Host t\n  ProxyJump j.example\nHost ok\n  ProxyJump none\nHost *\n  ProxyCommand nc %h %p\n',
    skipped: { t: 'ProxyCommand' },
  },
  {
    name: 'a ProxyJump loop is refused',
    config: 'Host a\n  ProxyJump b\nHost b\n  ProxyJump a\nHost c\n  ProxyJump c\nHost ok\n',
    skipped: { a: 'leads back to itself (a → b → a)', c: 'c → c' },
  },
  {
    name: 'ProxyCommand none lets nothing through',
    config: 'Host a\n  ProxyCommand none\nHost *\n  ProxyJump j.example\n',
  },
  {
    name: 'hop user inherited from a pattern',
    config: 'Host *.hop\n  User hopper\n  IdentityFile ~/.ssh/hop_%h\nHost t\n  User target\n  ProxyJump one.hop\n',
  },
  {
    name: 'Match all applies',
    config: 'Host a\n  Port 1\nMatch all\n  User mall\nHost b\n  User bb\n',
    minCompared: 2,
  },
  {
    name: 'Match that never holds is skipped',
    config: 'Match exec false\n  User never\nHost a\n  HostName a.example\n',
  },
  {
    name: 'Include at the top',
    config: 'Include @DIR@/conf.d/*.conf\nHost a\n  User alice\n',
    files: {
      'conf.d/10-x.conf': 'Host x\n  HostName x.example\n  Port 1010\n',
      'conf.d/20-y.conf': 'Host y\n  User yy\nHost a\n  Port 1011\n',
      'conf.d/.hidden.conf': 'Host hidden\n',
      'conf.d/note.txt': 'Host txt\n',
    },
    minCompared: 3,
    absent: ['hidden', 'txt'],
  },
  {
    name: 'Include inside a Host block applies only there',
    config: 'Host a\n  Include @DIR@/x.conf\n  User auser\nHost b\n  Port 2\n',
    files: { 'x.conf': 'Host xhost\n  Port 1234\nHost a\n  Port 4321\n' },
    skipped: { xhost: 'included from inside "Host a"' },
    minCompared: 2,
  },
  {
    name: 'Include inside a pattern block reaches the names it matches',
    config: 'Host *.x\n  Include @DIR@/inc/*.conf\nHost ia.x\n  User iax\n',
    files: { 'inc/a.conf': 'Host ia\n  Port 7\nHost db.x\n  Port 8\n  User dbx\n' },
    skipped: { ia: 'included from inside "Host *.x"' },
    minCompared: 2,
  },
  {
    name: 'Include inside Match',
    config: 'Match exec false\n  Include @DIR@/m.conf\nHost a\n  User alice\n',
    files: { 'm.conf': 'Host fromm\n  Port 9\n' },
    skipped: { fromm: 'Match' },
  },
  {
    name: 'Include then the enclosing block goes on',
    config: 'Host a\n  Include @DIR@/i.conf\n  Port 2345\nHost *\n  User dflt\n',
    files: { 'i.conf': 'User fromi\nHost other\n  Port 1\n' },
    skipped: { other: 'Host a' },
  },
  {
    name: 'Host alias with dots and dashes',
    config: 'Host web-01.prod.example\n  User deploy\nHost 192.0.2.7\n  Port 2207\n',
    minCompared: 2,
  },
  {
    name: 'LocalForward, RemoteForward, DynamicForward in every form',
    config:
      'Host t\n  HostName t.example\n  LocalForward 8080 localhost:80\n  LocalForward 127.0.0.1:8081 [::1]:81\n' +
      '  LocalForward [::1]:8082 DB.internal:5432\n  LocalForward *:8083 h:1\n  LocalForward :8084 h:2\n' +
      '  LocalForward localhost:8085 h:3\n  RemoteForward 9000 localhost:3000\n  RemoteForward 0.0.0.0:9002 10.0.0.1:22\n' +
      '  RemoteForward 0 127.0.0.1:22\n  DynamicForward 1080\n  DynamicForward 127.0.0.1:1081\n  DynamicForward [::1]:1082\n' +
      '  LocalForward 8080 localhost:80\n  LocalForward=8086 "h:4"\n',
  },
  {
    name: 'forwards to Unix sockets and reverse SOCKS are left out; service names are ports',
    config:
      'Host t\n  LocalForward /tmp/hostdeck.sock h:1\n  LocalForward 8090 /run/x.sock\n  RemoteForward 9001\n' +
      '  LocalForward http h:1\n  LocalForward 8091 h:https\n  LocalForward 8092 h:5\n',
  },
  {
    name: 'forwards add up across blocks; ForwardAgent first value wins',
    config:
      'Host a b\n  LocalForward 7001 x:1\n  ForwardAgent yes\nHost a\n  ForwardAgent no\n  DynamicForward 7002\n' +
      'Host *\n  RemoteForward 7003 y:2\n  ForwardAgent no\nHost c\n',
    minCompared: 3,
  },
  {
    name: 'GatewayPorts yes: forwards without a bind listen on every interface',
    config:
      'Host t\n  GatewayPorts yes\n  LocalForward 8080 h:80\n  DynamicForward 1080\n  LocalForward 127.0.0.1:8081 h:81\n',
  },
  {
    name: 'ForwardAgent with a socket path',
    config: 'Host t\n  ForwardAgent /tmp/agent.sock\nHost u\n  ForwardAgent yes\n',
    minCompared: 2,
  },
];

// Generated configs: many blocks, patterns and defaults in varied orders.
for (let seed = 1; seed <= 10; seed++) {
  let x = seed * 7919;
  // Park–Miller: small enough to stay exact in a double.
  const rnd = (n: number): number => ((x = (x * 48271) % 2147483647), x % n);
  const lines: string[] = [];
  const n = 4 + rnd(5);
  for (let i = 0; i < n; i++) {
    const pattern = rnd(4) === 0;
    lines.push(
      pattern ? `Host ${['h*', '*.g', 'h?', '!h1 h*'][rnd(4)]}` : `Host h${i}${rnd(3) === 0 ? ` h${i}.g` : ''}`,
    );
    if (rnd(2)) lines.push(`  User u${rnd(5)}`);
    if (rnd(2)) lines.push(`  Port ${2000 + rnd(50)}`);
    if (rnd(3) === 0) lines.push(`  HostName ${rnd(2) ? '%h' : `n${i}`}.example`);
    if (rnd(3) === 0) lines.push(`  IdentityFile ~/.ssh/k${rnd(3)}_%r`);
    // ssh loops forever on a jump host that jumps through itself; keep hops to earlier plain blocks.
    if (!pattern && rnd(4) === 0 && i > 0) lines.push(`  ProxyJump h${rnd(i)}`);
  }
  if (rnd(2)) lines.push('Host *', `  User last${seed}`, '  IdentityFile %d/.ssh/default_%h');
  fixtures.push({ name: `generated ${seed}`, config: `${lines.join('\n')}\n` });
}

/** Configs ssh refuses: Hostdeck must refuse the host that uses the line, saying what is wrong. */
const refused: Array<{ name: string; config: string; host: string; reason: string }> = [
  {
    name: 'ProxyJump with a space after the comma',
    config: 'Host sp\n  ProxyJump hop1, hop2\n',
    host: 'sp',
    reason: 'has a space in it',
  },
  { name: 'ProxyJump with an empty hop', config: 'Host sp\n  ProxyJump hop1,,hop2\n', host: 'sp', reason: 'empty hop' },
  { name: 'Port out of range', config: 'Host bp\n  Port 99999\n', host: 'bp', reason: 'not a port number' },
  { name: 'HostName with two values', config: 'Host hv\n  HostName a b\n', host: 'hv', reason: 'takes one value' },
  { name: 'unclosed quote', config: 'Host q\n  User "alice\n', host: 'q', reason: 'never closed' },
  {
    name: 'LocalForward without a target',
    config: 'Host lf\n  LocalForward 8090\n',
    host: 'lf',
    reason: 'wrong number',
  },
  {
    name: 'LocalForward port out of range',
    config: 'Host lf\n  LocalForward 70000 h:1\n',
    host: 'lf',
    reason: 'out of range',
  },
  {
    name: 'DynamicForward that is not a port',
    config: 'Host df\n  DynamicForward 1.2.3\n',
    host: 'df',
    reason: 'refuses',
  },
  {
    name: 'RemoteForward with a bad target',
    config: 'Host rf\n  RemoteForward 9000 h:\n',
    host: 'rf',
    reason: 'refuses',
  },
];

function setUp(
  name: string,
  config: string,
  files: Record<string, string> = {},
): { cfg: string; env: NodeJS.ProcessEnv; dir: string } {
  const dir = join(root, name.replace(/[^a-z0-9]+/gi, '-'));
  const home = join(dir, 'home');
  mkdirSync(home, { recursive: true });
  for (const [f, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, f)), { recursive: true });
    writeFileSync(join(dir, f), text.replaceAll('@DIR@', dir));
  }
  const cfg = join(dir, 'config');
  writeFileSync(cfg, config.replaceAll('@DIR@', dir));
  return { cfg, dir, env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: home } };
}

async function importWith(
  cfg: string,
  dir: string,
  env: NodeJS.ProcessEnv,
): Promise<Awaited<ReturnType<typeof readSshConfig>>> {
  // ssh takes ~ and %d from the password database, not $HOME; ${HOME} is the environment's.
  return readSshConfig({
    path: cfg,
    sshDir: join(dir, 'home', '.ssh'),
    homeDir: me.homedir,
    local: { userName: me.username, uid: me.uid, hostName: hostname(), env },
  });
}

describe('ssh_config import agrees with ssh -G (OpenSSH 9.2)', () => {
  it('has at least 40 configs', () => {
    expect(fixtures.length).toBeGreaterThanOrEqual(40);
  });

  it.each(fixtures.map((f) => [f.name, f] as const))('%s', async (_name, f) => {
    const { cfg, env, dir } = setUp(f.name, f.config, f.files);
    const result = await importWith(cfg, dir, env);
    const byRef = new Map(result.drafts.map((d) => [d.ref, d]));
    const aliases = result.drafts.filter((d) => !d.ref.startsWith('jump:'));
    for (const d of aliases) {
      const want = await openssh(cfg, env, d.ref);
      expect({ host: d.ref, ...hostdeck(d, byRef) }).toEqual({ host: d.ref, ...want });
    }
    expect(aliases.length, JSON.stringify(result.skipped)).toBeGreaterThanOrEqual(f.minCompared ?? 1);
    for (const [name, reason] of Object.entries(f.skipped ?? {})) {
      expect(aliases.map((d) => d.ref)).not.toContain(name);
      expect(result.skipped.find((s) => s.name === name)?.reason ?? `${name} not skipped`).toContain(reason);
    }
    for (const name of f.absent ?? []) {
      expect(aliases.map((d) => d.ref)).not.toContain(name);
      expect(result.skipped.map((s) => s.name)).not.toContain(name);
    }
  });

  it.each(refused.map((f) => [f.name, f] as const))('refused by both: %s', async (_name, f) => {
    const { cfg, env, dir } = setUp(`refused-${f.name}`, f.config);
    await expect(run('ssh', ['-G', '-F', cfg, f.host], { env })).rejects.toThrow();
    const result = await importWith(cfg, dir, env);
    expect(result.drafts.map((d) => d.ref)).not.toContain(f.host);
    const skip = result.skipped.find((s) => s.name === f.host);
    expect(skip?.reason).toContain(f.reason);
    // The reason points at the line.
    expect(skip?.reason).toContain(`${cfg}:2`);
  });
});
