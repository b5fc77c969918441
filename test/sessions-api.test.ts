// Sessions and prompts through the dispatcher, with a real gateway and a
// real sshd: hostile calls get {code, message} and open nothing; answers must
// fit the question asked; a prompt ends when its connection gives up; and a
// session opened through the API really carries a shell.
import { describe, expect, it } from 'vitest';
import net from 'node:net';
import WebSocket from 'ws';
import type { Api } from '../main/api/create-api.js';
import { PromptBroker } from '../main/api/prompt-broker.js';
import type { Gateway } from '../main/gateway/gateway.js';
import type { PromptRequest } from '../shared/api/contract.js';
import { StoreHarness } from './fixtures/store/harness.js';
import { callApi, sharedApiPeers, type CallResult } from './support/api.js';
import { sshHostInput, vncHostInput } from './support/hosts.js';
import { startSshd, type Sshd } from './support/sshd.js';
import { startXvnc } from './support/xvnc.js';

const harness = new StoreHarness('sessions-api');
const ORIGIN = 'http://127.0.0.1:1';
let gateway: Gateway;
let sshd: Sshd;
const openApi = sharedApiPeers(harness, ORIGIN, (g, s) => {
  gateway = g;
  sshd = s;
});

function setup(log?: (line: string) => void): {
  api: Api;
  asked: Array<PromptRequest & { promptId: string }>;
  gone: string[];
  /** Waits for the nth question (1-based) and answers it; the answer must be accepted. */
  answer: (n: number, answer: unknown) => Promise<void>;
} {
  const api = openApi(log ? { log } : {});
  const asked: Array<PromptRequest & { promptId: string }> = [];
  const gone: string[] = [];
  api.dispatcher.subscribe((event, payload) => {
    if (event === 'prompt.ask') asked.push(payload as PromptRequest & { promptId: string });
    if (event === 'prompt.gone') gone.push((payload as { promptId: string }).promptId);
  });
  const answer = async (n: number, a: unknown): Promise<void> => {
    await expect.poll(() => asked.length, { timeout: 20_000 }).toBe(n);
    expect((await call(api, 'prompts.answer', (asked[n - 1] as { promptId: string }).promptId, a)).ok).toBe(true);
  };
  return { api, asked, gone, answer };
}
function call(api: Api, method: string, ...params: unknown[]): Promise<CallResult> {
  return callApi(api.dispatcher, method, ...params);
}
const size = { cols: 80, rows: 24 };

describe('sessions API', () => {
  it('answers hostile calls with {code, message}, connecting nowhere', async () => {
    const { api } = setup();
    const before = sshd.log().length;
    const hostile: Array<[string, ...unknown[]]> = [
      ['sessions.open'],
      ['sessions.open', 'no-such-host', { openId: 'o1', ...size }],
      ['sessions.open', 42, { openId: 'o2', ...size }],
      ['sessions.open', 'x', { openId: 'o3', cols: 0, rows: 24 }],
      ['sessions.open', 'x', { openId: 'o4', cols: 80, rows: 1e9 }],
      ['sessions.open', 'x', { openId: 'x'.repeat(1000), ...size }],
      ['sessions.open', 'x', null],
      ['sessions.quickConnect', { username: 'u', host: 'bad host!', port: 22 }, { openId: 'q1', ...size }],
      ['sessions.quickConnect', { username: 'u', host: '127.0.0.1', port: 0 }, { openId: 'q2', ...size }],
      ['sessions.quickConnect', { host: '127.0.0.1', port: 22 }, { openId: 'q3', ...size }],
      ['sessions.quickConnect', 'root@127.0.0.1', { openId: 'q4', ...size }],
      ['sessions.close', 42],
      ['sessions.cancel', {}],
      ['prompts.answer', 'no-such-prompt', { type: 'decision', accept: true }],
      ['prompts.answer', 'p', { type: 'yes' }],
      ['prompts.answer', 'p', { type: 'decision', accept: 'yes' }],
      ['prompts.answer', 'p', { type: 'responses', responses: 'a' }],
      ['prompts.answer', 'p', { type: 'secret', value: 'x'.repeat(100_000), remember: false }],
      ['prompts.answer', 'p'],
    ];
    for (const [method, ...params] of hostile) {
      const r = await call(api, method, ...params);
      expect(r.ok, `${method} ${JSON.stringify(params).slice(0, 60)}`).toBe(false);
      expect(r.error?.code, method).toMatch(/^[A-Z_]+$/);
      expect(r.error?.code, method).not.toBe('INTERNAL');
    }
    expect(sshd.log().slice(before)).not.toMatch(/Connection from/);
    expect(gateway.stats().liveTickets).toBe(0);
  });

  it('a saved "Password" host tries only passwords: one wrong one leaves a second prompt (MaxAuthTries 2, PAM offering keyboard-interactive)', async () => {
    const strict = await startSshd({ pam: true, extraConfig: ['MaxAuthTries 2', 'LoginGraceTime 20'] });
    try {
      const { api, asked, answer } = setup();
      const host = (await call(api, 'hosts.create', sshHostInput('pw', strict))).result as { id: string };
      const mark = strict.log().length;
      const opening = call(api, 'sessions.open', host.id, { openId: 'pw-1', ...size });
      await answer(1, { type: 'decision', accept: true });
      await answer(2, { type: 'secret', value: 'wrong', remember: false });
      expect(asked[1]).toMatchObject({ kind: 'secret', secret: 'password', attempt: 1 });
      await answer(3, { type: 'secret', value: strict.password, remember: false });
      expect(asked[2]).toMatchObject({ kind: 'secret', secret: 'password', attempt: 2 });
      expect((await opening).ok).toBe(true);
      const log = strict.log().slice(mark);
      expect(log.match(/Failed password for hostdeck-pw/g)?.length).toBe(1);
      expect(log).not.toMatch(/keyboard-interactive/);
    } finally {
      await strict.stop();
    }
  });

  it('refuses quick-connect targets that would reach a real listener if a check were missing', async () => {
    // Each target points at this listener: only the argument check stands
    // between the call and a connection the listener would count.
    let connections = 0;
    const listener = net.createServer((s) => {
      connections++;
      s.destroy();
    });
    await new Promise<void>((ok) => listener.listen(0, '127.0.0.1', ok));
    const port = (listener.address() as net.AddressInfo).port;
    try {
      const { api } = setup();
      const hostile: unknown[][] = [
        [
          { username: 'u', host: '127.0.0.1', port: String(port) },
          { openId: 'h1', ...size },
        ],
        [
          { username: 'u', host: '127.0.0.1', port: port + 0.5 },
          { openId: 'h2', ...size },
        ],
        [
          { username: 'u', host: '127.0.0.1', port: port + 65536 },
          { openId: 'h3', ...size },
        ],
        [
          { username: 'u', host: ['127.0.0.1'], port },
          { openId: 'h4', ...size },
        ],
        [
          { username: 'u', host: '127.0.0.1\u0000', port },
          { openId: 'h5', ...size },
        ],
        [
          { username: 'u', host: '127.000.000.001', port },
          { openId: 'h5b', ...size },
        ],
        [
          { username: 'u\r\nx', host: '127.0.0.1', port },
          { openId: 'h6', ...size },
        ],
        [
          { username: 'x'.repeat(10_000), host: '127.0.0.1', port },
          { openId: 'h7', ...size },
        ],
        [
          { username: 'u', host: '127.0.0.1', port },
          { openId: 'h8', cols: 0, rows: 24 },
        ],
        [
          { username: 'u', host: '127.0.0.1', port },
          { openId: '', ...size },
        ],
        [{ username: 'u', host: '127.0.0.1', port }],
      ];
      for (const params of hostile) {
        const r = await call(api, 'sessions.quickConnect', ...params);
        expect(r.error?.code, JSON.stringify(params).slice(0, 80)).toBe('API_BAD_REQUEST');
      }
      // Positive control: a well-formed target does reach the listener.
      await call(api, 'sessions.quickConnect', { username: 'u', host: '127.0.0.1', port }, { openId: 'ok', ...size });
      expect(connections).toBeGreaterThan(0);
      const seen = connections;
      for (const params of hostile) await call(api, 'sessions.quickConnect', ...params);
      expect(connections).toBe(seen);
    } finally {
      listener.close();
    }
  });

  it('opens a saved host through prompts, and the ticket carries a shell', async () => {
    const { api, asked } = setup();
    const host = (await call(api, 'hosts.create', sshHostInput('rig', sshd))).result as { id: string };
    const opening = call(api, 'sessions.open', host.id, { openId: 'tab-1', ...size });
    await expect.poll(() => asked.length).toBe(1);
    const keyPrompt = asked[0] as PromptRequest & { promptId: string; kind: 'hostKey' };
    expect(keyPrompt).toMatchObject({ kind: 'hostKey', openId: 'tab-1', fingerprint: sshd.hostKeyFingerprint() });
    // An answer that does not fit the question is refused and changes nothing.
    expect(
      (await call(api, 'prompts.answer', keyPrompt.promptId, { type: 'secret', value: 'x', remember: false })).error
        ?.code,
    ).toBe('API_BAD_REQUEST');
    expect((await call(api, 'prompts.answer', keyPrompt.promptId, { type: 'decision', accept: true })).ok).toBe(true);
    await expect.poll(() => asked.length).toBe(2);
    const pw = asked[1] as PromptRequest & { promptId: string };
    // No keyring and no master password here: "remember" is not offered, since it could not be kept.
    expect(pw).toMatchObject({ kind: 'secret', secret: 'password', openId: 'tab-1', canRemember: false });
    expect(
      (await call(api, 'prompts.answer', pw.promptId, { type: 'secret', value: sshd.password, remember: false })).ok,
    ).toBe(true);
    const opened = await opening;
    expect(opened.ok).toBe(true);
    const ticket = opened.result as { url: string; kind: string; sessionId: string };
    expect(ticket.kind).toBe('ssh');
    const ws = new WebSocket(ticket.url, { headers: { Origin: ORIGIN } });
    let out = '';
    ws.on('message', (d, binary) => {
      if (binary) out += d.toString();
    });
    await new Promise((r) => ws.once('open', r));
    ws.send(Buffer.from('echo api-$((40+2))\n'));
    await expect.poll(() => out, { timeout: 20_000 }).toContain('api-42');
    // A ticket is single use.
    const again = new WebSocket(ticket.url, { headers: { Origin: ORIGIN } });
    const status = await new Promise<number>((r) =>
      again.once('unexpected-response', (_q, res) => r(res.statusCode ?? 0)),
    );
    expect(status).toBe(403);
    ws.close();
  });

  it('VNC "Require encryption": refused over plain VncAuth, satisfied by an SSH tunnel; ticket and connect log say how the wire is secured', async () => {
    const lines: string[] = [];
    const { api, asked, answer } = setup((l) => lines.push(l));
    const x = await startXvnc({ securityTypes: 'VncAuth' });
    try {
      const info = (await call(api, 'app.info')).result as { tls: { anonymous: boolean } };
      expect(info.tls).toEqual({ anonymous: true });
      const strict = (await call(api, 'hosts.create', vncHostInput('strict', x, { requireEncryption: true })))
        .result as { id: string };
      const refused = await call(api, 'sessions.open', strict.id, { openId: 'v-1', ...size });
      expect(refused.error?.code).toBe('VNC_ENCRYPTION_UNAVAILABLE');
      expect(refused.error?.message).toContain('(it offered: VncAuth)');
      expect(asked).toEqual([]);
      expect(lines.at(-1)).toMatch(/^VNC "strict" \(127\.0\.0\.1:\d+\): not connected: VNC_ENCRYPTION_UNAVAILABLE: /);

      const lax = (await call(api, 'hosts.create', vncHostInput('lax', x))).result as { id: string };
      const opening = call(api, 'sessions.open', lax.id, { openId: 'v-2', ...size });
      await answer(1, { type: 'secret', value: x.password, remember: false });
      const plain = await opening;
      expect(plain.result).toMatchObject({
        kind: 'vnc',
        vnc: { security: 'vnc-auth', encrypted: false, wire: 'none', passthrough: false },
      });
      expect(lines.at(-1)).toMatch(
        /^VNC "lax" \(127\.0\.0\.1:\d+\): connected with vnc-auth; NOT encrypted: the screen and everything typed cross the network in the clear$/,
      );

      const jump = (await call(api, 'hosts.create', sshHostInput('jump', sshd))).result as { id: string };
      const tunnelled = (
        await call(
          api,
          'hosts.create',
          vncHostInput('tunnelled', x, { requireEncryption: true, viaSshHostId: jump.id }),
        )
      ).result as { id: string };
      const viaSsh = call(api, 'sessions.open', tunnelled.id, { openId: 'v-3', ...size });
      await answer(2, { type: 'decision', accept: true });
      await answer(3, { type: 'secret', value: sshd.password, remember: false });
      await answer(4, { type: 'secret', value: x.password, remember: false });
      const ssh = await viaSsh;
      expect(ssh.error).toBeUndefined();
      expect(ssh.result).toMatchObject({
        kind: 'vnc',
        vnc: { security: 'vnc-auth', encrypted: true, wire: 'ssh', via: 'jump' },
      });
      expect(lines.at(-1)).toMatch(/connected with vnc-auth; encrypted by SSH through "jump" all the way/);
    } finally {
      await x.stop();
    }
  });

  it('cancelling an open ends its question and fails the call clearly', async () => {
    const { api, asked, gone } = setup();
    const host = (await call(api, 'hosts.create', sshHostInput('rig2', sshd, null))).result as { id: string };
    const opening = call(api, 'sessions.open', host.id, { openId: 'tab-2', ...size });
    await expect.poll(() => asked.length).toBe(1);
    expect((await call(api, 'sessions.cancel', 'tab-2')).ok).toBe(true);
    const r = await opening;
    expect(r.ok).toBe(false);
    expect(r.error?.message.length).toBeGreaterThan(10);
    expect(gone).toContain(asked[0]?.promptId);
    expect(
      (await call(api, 'prompts.answer', asked[0]?.promptId, { type: 'decision', accept: true })).error?.code,
    ).toBe('API_PROMPT_GONE');
  });

  it('a prompt is withdrawn when its connection ends: sshd drops a login left waiting (LoginGraceTime)', async () => {
    // The fault: at LoginGraceTime the tab showed "disconnected" but the
    // password prompt stayed open, and answering it did nothing.
    const strict = await startSshd({ extraConfig: ['LoginGraceTime 5'] });
    try {
      const { api, asked, gone, answer } = setup();
      const host = (await call(api, 'hosts.create', sshHostInput('grace', strict))).result as { id: string };
      const opening = call(api, 'sessions.open', host.id, { openId: 'tab-grace', ...size });
      await answer(1, { type: 'decision', accept: true });
      await expect.poll(() => asked.length).toBe(2);
      const pw = asked[1] as PromptRequest & { promptId: string };
      expect(pw).toMatchObject({ kind: 'secret', secret: 'password', openId: 'tab-grace' });
      // Left unanswered: sshd ends the connection after 5 s.
      const r = await opening;
      // sshd ended it, not a cancel or a timeout of ours.
      expect(r.error?.code).toBe('SSH_DISCONNECTED');
      await expect.poll(() => gone).toContain(pw.promptId);
      expect(
        (await call(api, 'prompts.answer', pw.promptId, { type: 'secret', value: strict.password, remember: false }))
          .error?.code,
      ).toBe('API_PROMPT_GONE');
    } finally {
      await strict.stop();
    }
  });
});

describe('PromptBroker', () => {
  it('times out unanswered questions, bounds how many wait, and ends all on dispose', async () => {
    const gone: string[] = [];
    const broker = new PromptBroker(
      () => undefined,
      (id) => gone.push(id),
      50,
    );
    expect(
      await broker.ask({
        kind: 'hostKey',
        openId: 'o',
        host: 'h',
        port: 22,
        keyType: 'ssh-ed25519',
        fingerprint: 'SHA256:x',
      }),
    ).toBeNull();
    expect(gone).toHaveLength(1);
    const slow = new PromptBroker(
      () => undefined,
      () => undefined,
      60_000,
    );
    const waits = Array.from({ length: 16 }, () =>
      slow.ask({ kind: 'secret', openId: 'o', secret: 'password', host: 'h', attempt: 1, canRemember: false }),
    );
    await expect(
      slow.ask({ kind: 'secret', openId: 'o', secret: 'password', host: 'h', attempt: 1, canRemember: false }),
    ).rejects.toMatchObject({ code: 'API_TOO_MANY_PROMPTS' });
    expect(slow.open()).toHaveLength(16);
    slow.dispose();
    expect(await Promise.all(waits)).toEqual(Array(16).fill(null));
    expect(slow.size).toBe(0);
  });

  it('keyboard-interactive answers must have one response per prompt', async () => {
    let id = '';
    const broker = new PromptBroker(
      (r) => (id = r.promptId),
      () => undefined,
    );
    const waiting = broker.ask({
      kind: 'keyboardInteractive',
      openId: 'o',
      host: 'h',
      name: '',
      instructions: '',
      prompts: [
        { prompt: 'Code:', echo: true },
        { prompt: 'PIN:', echo: false },
      ],
    });
    expect(() => broker.answer(id, { type: 'responses', responses: ['123'] })).toThrow(/does not fit/);
    broker.answer(id, { type: 'responses', responses: ['123', '4567'] });
    expect(await waiting).toEqual({ type: 'responses', responses: ['123', '4567'] });
  });
});
