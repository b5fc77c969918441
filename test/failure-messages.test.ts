// Every failure a person can hit has its own code and a sentence that says
// what to check; none reaches them as INTERNAL ("something went wrong"),
// which is kept for real bugs. Table-driven over refused, DNS failure,
// timeout, authentication failure and server-closed-mid-handshake, for SSH,
// VNC direct and VNC through SSH, through the sessions API against real
// sshd and Xvnc and hostile listeners on 127.0.0.1. Unreachable (no route)
// cannot be produced on loopback, so its errno mapping is checked directly.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import net from 'node:net';
import type { Api } from '../main/api/create-api.js';
import { Gateway } from '../main/gateway/gateway.js';
import { fromSocketError } from '../main/ssh/errors.js';
import { vncSocketError } from '../main/vnc/vnc-errors.js';
import type { PromptRequest } from '../shared/api/contract.js';
import { StoreHarness } from './fixtures/store/harness.js';
import { serveModeApi } from './support/api.js';
import { freePort } from './support/net.js';
import { startSshd, type Sshd } from './support/sshd.js';
import { sshKeyHostInput } from './support/hosts.js';
import { startXvnc, type Xvnc } from './support/xvnc.js';

const harness = new StoreHarness('failures');
let gateway: Gateway;
let sshd: Sshd;
let xvnc: Xvnc;
let api: Api;
const listeners: net.Server[] = [];
const asked: Array<PromptRequest & { promptId: string }> = [];
const size = { cols: 80, rows: 24 };
let nextId = 1;

async function call(
  method: string,
  ...params: unknown[]
): Promise<{ ok: boolean; result?: unknown; error?: { code: string; message: string } }> {
  const r = await api.dispatcher.handle({ id: nextId++, method, params });
  return r.ok ? { ok: true, result: r.result } : { ok: false, error: r.error };
}

/** A listener that does `behave` with each connection; returns its port. */
async function listener(behave: (s: net.Socket) => void): Promise<number> {
  const server = net.createServer(behave);
  listeners.push(server);
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  return (server.address() as net.AddressInfo).port;
}

// Answers every prompt the way the case needs: trust keys and certificates,
// give wrong passwords.
function answerPrompts(): void {
  api.dispatcher.subscribe((event, payload) => {
    if (event !== 'prompt.ask') return;
    const p = payload as PromptRequest & { promptId: string };
    asked.push(p);
    const answer =
      p.kind === 'hostKey' || p.kind === 'vncCertificate'
        ? { type: 'decision', accept: true }
        : p.kind === 'secret'
          ? { type: 'secret', value: 'wrong-password', remember: false }
          : { type: 'responses', responses: p.prompts.map(() => 'wrong-password') };
    void call('prompts.answer', p.promptId, answer);
  });
}

let refusedPort = 0;
let silentPort = 0;
let closingSshPort = 0;
let closingVncPort = 0;
let jumpId = '';

beforeAll(async () => {
  gateway = await Gateway.start({ allowedOrigins: ['http://127.0.0.1:1'] });
  sshd = await startSshd();
  xvnc = await startXvnc({ securityTypes: 'VncAuth' });
  api = serveModeApi(harness.open({ saveDelayMs: 0 }), gateway, { log: () => undefined });
  answerPrompts();
  refusedPort = await freePort();
  silentPort = await listener(() => undefined);
  closingSshPort = await listener((s) => s.end('SSH-2.0-OpenSSH_9.2\r\n'));
  closingVncPort = await listener((s) => s.end('RFB 003.008\n'));
  const jump = (await call('hosts.create', sshKeyHostInput('jump', sshd))).result as { id: string };
  jumpId = jump.id;
}, 60_000);

afterAll(async () => {
  await api?.dispose();
  for (const l of listeners) l.close();
  await xvnc?.stop();
  await sshd?.stop();
  await gateway?.close();
  harness.cleanup();
});

type Path = 'ssh' | 'vnc' | 'vnc-via-ssh';
interface Case {
  what: string;
  address: string;
  port: () => number;
  code: Record<Path, string | RegExp>;
}

const CASES: Case[] = [
  {
    what: 'refused',
    address: '127.0.0.1',
    port: () => refusedPort,
    code: { ssh: 'SSH_CONNECTION_REFUSED', vnc: 'VNC_CONNECTION_REFUSED', 'vnc-via-ssh': 'SSH_CONNECTION_REFUSED' },
  },
  {
    what: 'DNS failure',
    address: 'no-such-host.invalid',
    port: () => 22,
    code: {
      ssh: 'SSH_HOST_UNREACHABLE',
      vnc: 'VNC_HOST_NOT_FOUND',
      'vnc-via-ssh': /^SSH_(HOST_UNREACHABLE|CONNECTION_REFUSED)$/,
    },
  },
  {
    what: 'server closed mid-handshake',
    address: '127.0.0.1',
    port: () => -1,
    code: { ssh: /^SSH_(DISCONNECTED|PROTOCOL)$/, vnc: 'VNC_SERVER_CLOSED', 'vnc-via-ssh': 'VNC_SERVER_CLOSED' },
  },
  {
    what: 'authentication failure',
    address: '127.0.0.1',
    port: () => -2,
    code: { ssh: 'SSH_AUTH_FAILED', vnc: 'VNC_AUTH_FAILED', 'vnc-via-ssh': 'VNC_AUTH_FAILED' },
  },
  {
    what: 'timeout (a server that never speaks)',
    address: '127.0.0.1',
    port: () => silentPort,
    code: { ssh: 'SSH_TIMEOUT', vnc: 'VNC_TIMEOUT', 'vnc-via-ssh': 'VNC_TIMEOUT' },
  },
];

function portFor(c: Case, path: Path): number {
  const p = c.port();
  if (p === -1) return path === 'ssh' ? closingSshPort : closingVncPort;
  if (p === -2) return path === 'ssh' ? sshd.port : xvnc.port;
  return p;
}

async function openFailure(c: Case, path: Path, n: number): Promise<{ code: string; message: string } | undefined> {
  const name = `${path}-${n}`;
  const base = { name, address: c.address, port: portFor(c, path), folder: [], tags: [], notes: '' };
  const vnc = {
    viewOnly: false,
    scaling: 'scale',
    quality: 6,
    compression: 2,
    shared: true,
    ...(path === 'vnc-via-ssh' ? { viaSshHostId: jumpId } : {}),
  };
  const host =
    path === 'ssh'
      ? await call('hosts.create', {
          ...base,
          protocol: 'ssh',
          username: sshd.passwordUser,
          auth: { type: 'password' },
        })
      : await call('hosts.create', { ...base, protocol: 'vnc', vnc });
  expect(host.ok, JSON.stringify(host.error)).toBe(true);
  const r = await call('sessions.open', (host.result as { id: string }).id, { openId: name, ...size });
  expect(r.ok, `${c.what} over ${path} should fail`).toBe(false);
  return r.error;
}

describe('every failure a person can hit has its own code and message', () => {
  it('SSH, VNC direct and VNC through SSH: refused, DNS failure, closed mid-handshake, wrong password, timeout', async () => {
    const runs = CASES.flatMap((c, i) =>
      (['ssh', 'vnc', 'vnc-via-ssh'] as const).map((path, j) => ({ c, path, n: i * 3 + j })),
    );
    const results = await Promise.all(
      runs.map(async ({ c, path, n }) => ({ c, path, error: await openFailure(c, path, n) })),
    );
    for (const { c, path, error } of results) {
      const label = `${c.what} over ${path}: ${error?.code} ${error?.message}`;
      expect(error?.code, label).not.toBe('INTERNAL');
      const want = c.code[path];
      if (typeof want === 'string') expect(error?.code, label).toBe(want);
      else expect(error?.code, label).toMatch(want);
      // A sentence for a person: more than a code, not a stack.
      expect(error?.message.length ?? 0, label).toBeGreaterThan(20);
      expect(error?.message, label).not.toMatch(/Something went wrong|\n\s+at /);
    }
  }, 90_000);

  it('unreachable (no route) maps to its own code on both paths', () => {
    for (const code of ['EHOSTUNREACH', 'ENETUNREACH']) {
      const err = Object.assign(new Error(`connect ${code}`), { code });
      expect(fromSocketError('192.0.2.1', 22, err).code).toBe('SSH_HOST_UNREACHABLE');
      expect(vncSocketError('192.0.2.1', 5900, err).code).toBe('VNC_HOST_UNREACHABLE');
      expect(vncSocketError('192.0.2.1', 5900, err).message).toContain('192.0.2.1:5900');
    }
    expect(
      vncSocketError('x.invalid', 5900, Object.assign(new Error('getaddrinfo ENOTFOUND'), { code: 'ENOTFOUND' })).code,
    ).toBe('VNC_HOST_NOT_FOUND');
  });
});
