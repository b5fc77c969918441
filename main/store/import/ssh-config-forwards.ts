// LocalForward, RemoteForward and DynamicForward lines (ssh_config(5)) as
// saved forwards, read as OpenSSH 9.2 reads them (readconf.c
// parse_forward): `[bind_address:]port` then `host:hostport`, IPv6 in
// brackets. Every line that applies counts, in order, an exact repeat once
// (ssh's add_local_forward). A bind left out follows GatewayPorts (no:
// loopback); "*" or an empty bind is every interface, so the forward is
// imported with `exposed` set, as the person wrote it, and a note says so.
// A port may be a service name, looked up in /etc/services as ssh's a2port
// does through getservbyname(3). What Hostdeck cannot carry (Unix sockets,
// RemoteForward without a target: a reverse SOCKS proxy) is left out with a
// note; a line ssh itself refuses makes the host skipped, as ssh would stop.
import { readFileSync } from 'node:fs';
import { LIMITS, type ForwardKind, type PortForward } from '../../../shared/model/host.js';
import { checkAddress } from '../../../shared/model/address.js';
import type { Directive } from './ssh-config-files.js';

/** The host's forwards and notes on lines left out, or `reason`: a line ssh refuses, so the host is skipped. */
export type ForwardsRead = { forwards: PortForward[]; notes: string[] } | { reason: string };

const KINDS: Record<string, ForwardKind> = {
  localforward: 'local',
  remoteforward: 'remote',
  dynamicforward: 'dynamic',
};

interface Endpoint {
  /** undefined: no bind written; '' or '*': every interface. */
  host: string | undefined;
  port: string;
}

/** `lines` in the order ssh applies them; `gatewayPorts` is GatewayPorts' first value. */
export function readForwards(lines: readonly Directive[], gatewayPorts: string | undefined): ForwardsRead {
  const forwards: PortForward[] = [];
  const notes: string[] = [];
  const seen = new Set<string>();
  for (const d of lines) {
    const kind = KINDS[d.key] as ForwardKind;
    const r = readOne(d, kind, gatewayPorts === 'yes');
    if ('reason' in r) return r;
    if ('note' in r) {
      notes.push(r.note);
      continue;
    }
    const same = JSON.stringify({ ...r.forward, id: '' });
    if (seen.has(same)) continue;
    seen.add(same);
    if (forwards.length === LIMITS.forwards) {
      notes.push(`${d.source}: a Hostdeck host keeps at most ${LIMITS.forwards} forwards; the rest were left out.`);
      break;
    }
    r.forward.id = uniqueId(forwards, r.forward);
    forwards.push(r.forward);
    if (r.forward.exposed) notes.push(`${d.source}: this forward listens on every interface, as your config says.`);
  }
  return { forwards, notes };
}

type One = { forward: PortForward } | { note: string } | { reason: string };

function readOne(d: Directive, kind: ForwardKind, gatewayPorts: boolean): One {
  const name = { local: 'LocalForward', remote: 'RemoteForward', dynamic: 'DynamicForward' }[kind];
  const bad = (why: string): One => ({
    reason: `${d.source}: ${name} ${d.args.join(' ')}: ${why}; ssh refuses this line too.`,
  });
  const wanted = kind === 'dynamic' ? [1] : kind === 'remote' ? [1, 2] : [2];
  if (!wanted.includes(d.args.length)) return bad('wrong number of arguments');
  if (d.args.some((a) => a.startsWith('/') || a.startsWith('~')))
    return { note: `${d.source}: ${name} with a Unix socket is not something Hostdeck forwards; left out.` };
  const listen = endpoint(d.args[0] as string, true);
  if (listen === undefined) return bad('it is not [bind_address:]port');
  if (kind === 'remote' && d.args.length === 1)
    return {
      note: `${d.source}: RemoteForward without a target is a reverse SOCKS proxy, which Hostdeck does not offer; left out.`,
    };
  const target = d.args.length === 2 ? endpoint(d.args[1] as string, false) : undefined;
  if (d.args.length === 2 && (target === undefined || target.host === undefined || target.host === ''))
    return bad('its target is not host:hostport');
  const bindPort = portNumber(listen.port, kind === 'remote');
  const targetPort = target === undefined ? 1 : portNumber(target.port, false);
  if (bindPort === undefined || targetPort === undefined) return bad('a port is out of range or not a known service');
  const all = listen.host === '' || listen.host === '*' || (listen.host === undefined && gatewayPorts);
  const bindAddress = all ? '0.0.0.0' : (listen.host ?? (kind === 'remote' ? 'localhost' : '127.0.0.1'));
  const forward: PortForward = { id: '', kind, bindAddress, bindPort };
  if (all) forward.exposed = true;
  if (target !== undefined) {
    forward.targetHost = target.host as string;
    forward.targetPort = targetPort;
  }
  for (const key of ['bindAddress', 'targetHost'] as const) {
    const a = forward[key];
    if (a === undefined) continue;
    const checked = checkAddress(a);
    if (!checked.ok) return { note: `${d.source}: "${a}" is not an address Hostdeck can use; left out.` };
    forward[key] = checked.address;
  }
  return { forward };
}

/** `[host]:port`, `host:port`, or `port` alone (listen side only); IPv6 only in brackets. */
function endpoint(text: string, listen: boolean): Endpoint | undefined {
  const bracketed = /^\[([^\]]*)\]:([^:]+)$/.exec(text);
  if (bracketed) return { host: bracketed[1] as string, port: bracketed[2] as string };
  const parts = text.split(':');
  if (parts.length === 2) return { host: parts[0] as string, port: parts[1] as string };
  if (parts.length === 1 && listen) return { host: undefined, port: parts[0] as string };
  return undefined;
}

function portNumber(text: string, zeroAllowed: boolean): number | undefined {
  if (!/^[0-9]{1,5}$/.test(text)) return /^[A-Za-z][A-Za-z0-9_-]*$/.test(text) ? servicePort(text) : undefined;
  const n = Number(text);
  return n <= 65535 && (n > 0 || zeroAllowed) ? n : undefined;
}

let services: Map<string, number> | undefined;

/** A TCP service's port from /etc/services (name or alias), as getservbyname(name, "tcp"). */
function servicePort(name: string): number | undefined {
  if (services === undefined) {
    services = new Map();
    let text = '';
    try {
      text = readFileSync('/etc/services', 'latin1');
    } catch {
      // No services database: only numbers work, as for ssh on such a system.
    }
    for (const line of text.split('\n')) {
      const [entry = ''] = line.split('#');
      const [service, where, ...aliases] = entry.trim().split(/\s+/);
      const m = /^([0-9]+)\/tcp$/.exec(where ?? '');
      if (service === undefined || !m) continue;
      for (const n of [service, ...aliases]) if (!services.has(n)) services.set(n, Number(m[1]));
    }
  }
  return services.get(name);
}

function uniqueId(existing: readonly PortForward[], f: PortForward): string {
  const base = `${f.kind[0]?.toUpperCase()}${f.bindPort}`;
  let id = base;
  for (let i = 2; existing.some((x) => x.id === id); i++) id = `${base}-${i}`;
  return id;
}
