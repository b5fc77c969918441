// RfbServerHandshake on its own, bytes in and bytes out, no sockets. Every
// conversation is fed one byte at a time, whole, and in seeded random splits;
// after each chunk but a message's last, main must not have answered or
// finished. Each test states exactly what main writes, the states it passes
// through and what it ends with, for every RFB version it accepts (RFC 6143
// §7.1.1, odd ones included) and every security type it handles (None,
// VncAuth, the VeNCrypt subtypes up to the TLS hand-off, pass-through), and
// the stable error codes hostile or truncated input gets.
import { afterEach, describe, expect, it } from 'vitest';
import { HostdeckError } from '../shared/errors.js';
import { ConnectionState, type VncStep } from '../main/vnc/connection-state.js';
import {
  MAX_STRING_LENGTH,
  RfbServerHandshake,
  type ServerHandshakeOptions,
  type ServerHandshakeOutcome,
} from '../main/vnc/rfb-server-handshake.js';
import { rfbString, serverInit, u32 } from './fixtures/vnc/fake-vnc-server.js';
import { expectedVncResponse } from './fixtures/vnc/independent-vnc-auth.js';

const PASSWORD = 'pa55word';
const NAME = 'fake desktop ✓';
const CHALLENGE = Buffer.from('00112233445566778899aabbccddeeff', 'hex');
const RESPONSE = expectedVncResponse(PASSWORD, CHALLENGE);
const INIT = serverInit(1024, 768, NAME);

type Bytes = Buffer | string | number[];
/** One turn of a conversation, in order. `step` is the state main reads a server turn in. */
type Turn = { server: Bytes; step?: VncStep } | { client: Bytes } | { tls: 'anon' | 'x509' };
type Chunker = (bytes: Buffer) => Buffer[];

const bytes = (b: Bytes): Buffer => (typeof b === 'string' ? Buffer.from(b, 'latin1') : Buffer.from(b));
const version = (v: string): Buffer => Buffer.from(`RFB ${v}\n`, 'latin1');

/** Seeded, so a failure names a split that can be replayed (mulberry32). */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const oneByOne: Chunker = (b) => [...b].map((x) => Buffer.from([x]));
const whole: Chunker = (b) => [b];
function randomSplits(seed: number): Chunker {
  const rand = prng(seed);
  return (b) => {
    const out: Buffer[] = [];
    for (let i = 0; i < b.length;) {
      const n = 1 + Math.floor(rand() * Math.min(b.length - i, 20));
      out.push(b.subarray(i, i + n));
      i += n;
    }
    return out;
  };
}
const CHUNKINGS: Array<[string, Chunker]> = [
  ['one byte at a time', oneByOne],
  ['whole messages', whole],
  ...[1, 2, 3, 4, 5].map((seed): [string, Chunker] => [`random splits (seed ${seed})`, randomSplits(seed)]),
];

const DEFAULTS: ServerHandshakeOptions = {
  username: undefined,
  allowVeNCrypt: true,
  anonymousTls: true,
  requireEncryption: false,
  allowPassthrough: true,
  shared: true,
};

interface Options extends Partial<ServerHandshakeOptions> {
  /** What the password hook answers (default PASSWORD). */
  password?: string | undefined;
  chunk?: Chunker;
  /** The server ends the connection after the turns. */
  end?: boolean;
}

interface Run {
  outcome?: ServerHandshakeOutcome;
  error?: HostdeckError;
  /** States main moved to, from 'version' on. */
  steps: VncStep[];
  /** Every write, as one buffer. */
  written: Buffer;
  /** startTls calls: the kind, main's state and how many server bytes it held at that moment. */
  tls: Array<{ kind: string; step: VncStep; buffered: number }>;
  passwordAsked: number;
  handshake: RfbServerHandshake;
}

const states: ConnectionState[] = [];
afterEach(() => {
  for (const s of states.splice(0)) s.close();
});

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * Plays `turns` against a fresh handshake: server bytes are pushed in the
 * chunks `chunk` makes, client turns are checked against exactly what main
 * wrote since the last check, and nothing else may be written.
 */
async function converse(turns: Turn[], opts: Options = {}): Promise<Run> {
  const { password: _password, chunk = oneByOne, end = false, ...given } = opts;
  const password = 'password' in opts ? opts.password : PASSWORD;
  const state = new ConnectionState({ stepMs: 60_000, personMs: 60_000 });
  states.push(state);
  const steps: VncStep[] = [];
  const to = state.to.bind(state);
  state.to = (next: Parameters<ConnectionState['to']>[0]): void => {
    to(next);
    steps.push(next);
  };
  state.to('connecting');
  steps.length = 0;
  const writes: Buffer[] = [];
  const tls: Run['tls'] = [];
  let passwordAsked = 0;
  const self: { handshake?: RfbServerHandshake } = {};
  const handshake = new RfbServerHandshake(
    state,
    {
      write: (b) => writes.push(Buffer.from(b)),
      password: async () => (passwordAsked++, password),
      startTls: async (kind) => {
        // Bytes held now would be lost to TLS (takeRest empties the reader; a
        // correct handshake holds none here, so nothing is taken from it).
        tls.push({ kind, step: state.step, buffered: (self.handshake as RfbServerHandshake).takeRest().length });
        // As the connector does: the certificate is trusted before any login byte.
        if (kind === 'x509') state.to('certificate');
      },
    },
    { ...DEFAULTS, ...given },
  );
  self.handshake = handshake;
  let settled = false;
  const run: Run = { steps, written: Buffer.alloc(0), tls, passwordAsked: 0, handshake };
  const done = handshake.run().then(
    (o) => ((settled = true), (run.outcome = o)),
    (e: unknown) => {
      settled = true;
      if (!(e instanceof HostdeckError)) throw e;
      run.error = e;
    },
  );
  let checked = 0;
  const all = (): Buffer => Buffer.concat(writes);
  await tick();
  for (const [i, turn] of coalesce(turns).entries()) {
    if ('server' in turn) {
      const chunks = chunk(bytes(turn.server));
      for (const [j, c] of chunks.entries()) {
        expect(settled, `turn ${i}: finished before all of this server turn arrived`).toBe(false);
        const before = all().length;
        handshake.push(c);
        await tick();
        if (j < chunks.length - 1) expect(all().length, `turn ${i}: answered part of a message`).toBe(before);
      }
    } else if ('client' in turn) {
      expect(all().subarray(checked).toString('hex'), `turn ${i}: main's bytes`).toBe(
        bytes(turn.client).toString('hex'),
      );
      checked += bytes(turn.client).length;
    } else {
      expect(
        tls.map((t) => t.kind),
        `turn ${i}: TLS started`,
      ).toEqual([turn.tls]);
    }
  }
  if (end) handshake.end();
  await tick();
  // Every conversation here ends the handshake: waiting on would be a hang.
  expect(settled, `still waiting in step ${state.step} after the last turn`).toBe(true);
  await done;
  expect(all().subarray(checked).toString('hex'), 'bytes main wrote after the last client turn').toBe('');
  run.written = all();
  run.passwordAsked = passwordAsked;
  return run;
}

/** Client turns with no server turn between them are written in one go (3.7 None: the type, then ClientInit). */
function coalesce(turns: Turn[]): Turn[] {
  const out: Turn[] = [];
  for (const turn of turns) {
    const last = out.at(-1);
    if ('client' in turn && last && 'client' in last)
      out[out.length - 1] = { client: Buffer.concat([bytes(last.client), bytes(turn.client)]) };
    else out.push(turn);
  }
  return out;
}

/** The turns of an honest conversation up to the security type (3.3: the server's pick). */
function opening(serverVersion: string, clientVersion: string, types: number[], choice?: number): Turn[] {
  const v33 = clientVersion === '003.003';
  return [
    { server: version(serverVersion), step: 'version' },
    { client: version(clientVersion) },
    v33
      ? { server: u32(types[0] as number), step: 'security' }
      : { server: [types.length, ...types], step: 'security' },
    ...(v33 || choice === undefined ? [] : [{ client: [choice] }]),
  ];
}

const clientInit = (shared = true): Turn => ({ client: [shared ? 1 : 0] });
const serverInitTurn: Turn = { server: INIT, step: 'init' };
const ok: Turn = { server: u32(0), step: 'security-result' };
/** VncAuth with the right password; ...ToInit: then a good SecurityResult, ClientInit (shared) and ServerInit. */
const vncAuth: Turn[] = [{ server: CHALLENGE }, { client: RESPONSE }];
const vncAuthToInit: Turn[] = [...vncAuth, ok, clientInit(), serverInitTurn];
/** RFB 3.8 with VncAuth chosen and answered rightly, then `result` as the server's SecurityResult. */
const vncAuthResult38 = (result: Bytes): Turn[] => [
  ...opening('003.008', '003.008', [2], 2),
  ...vncAuth,
  { server: result },
];

function authenticated(
  v: '3.3' | '3.7' | '3.8',
  security: string,
  extra: Record<string, unknown> = {},
): ServerHandshakeOutcome {
  return {
    kind: 'authenticated',
    version: v,
    security,
    serverInit: INIT,
    width: 1024,
    height: 768,
    desktopName: NAME,
    ...extra,
  } as ServerHandshakeOutcome;
}

async function failure(turns: Turn[], opts: Options = {}): Promise<HostdeckError & { run: Run }> {
  const run = await converse(turns, opts);
  if (!run.error) throw new Error(`expected a failure, got ${JSON.stringify(run.outcome?.kind)}`);
  return Object.assign(run.error, { run });
}

describe.each(CHUNKINGS)('RfbServerHandshake, %s', (_name, chunk) => {
  describe('versions (RFC 6143 §7.1.1)', () => {
    it.each([
      ['003.008', '003.008', '3.8'],
      ['003.007', '003.007', '3.7'],
      ['003.003', '003.003', '3.3'],
      // "Other version numbers [...] interpreted as 3.3": UltraVNC says 3.6, some 3.4/3.5.
      ['003.004', '003.003', '3.3'],
      ['003.005', '003.003', '3.3'],
      ['003.006', '003.003', '3.3'],
      // 3.8 and later minors (Apple Remote Desktop says 3.889), and RealVNC / Intel AMT 4.x–5.x.
      ['003.009', '003.008', '3.8'],
      ['003.889', '003.008', '3.8'],
      ['004.000', '003.008', '3.8'],
      ['004.001', '003.008', '3.8'],
      ['005.000', '003.008', '3.8'],
    ] as const)('server %s: main answers %s and logs in with VNC Authentication as %s', async (server, client, v) => {
      const run = await converse(
        [
          ...opening(server, client, [2], 2),
          { server: CHALLENGE, step: 'challenge' },
          { client: RESPONSE },
          ok,
          clientInit(),
          serverInitTurn,
        ],
        { chunk },
      );
      expect(run.outcome).toEqual(authenticated(v, 'vnc-auth'));
      expect(run.steps).toEqual(['version', 'security', 'challenge', 'password', 'security-result', 'init']);
      expect(run.passwordAsked).toBe(1);
    });

    it.each([
      'HTTP/1.1 200',
      'RFB 003.00x\n',
      'RFB 000.000\n',
      'RFB 002.009\n',
      'RFB 003.002\n',
      'RFB 003.008\r',
      'RFB 03.008\n ',
      'rfb 003.008\n',
      '\0'.repeat(12),
    ])('refuses the version %j with VNC_PROTOCOL_ERROR and writes nothing', async (v) => {
      const err = await failure([{ server: v }], { chunk });
      expect(err.code).toBe('VNC_PROTOCOL_ERROR');
      expect(err.details).toMatchObject({ step: 'version' });
      expect(err.run.written.length).toBe(0);
      expect(err.run.steps).toEqual(['version']);
    });
  });

  describe('None', () => {
    it.each([
      ['003.008', '3.8', true],
      ['003.007', '3.7', false],
      ['003.003', '3.3', false],
    ] as const)(
      'server %s: a SecurityResult only where the version has one; no password asked',
      async (server, v, result) => {
        const run = await converse(
          [...opening(server, server, [1], 1), ...(result ? [ok] : []), clientInit(), serverInitTurn],
          { chunk },
        );
        expect(run.outcome).toEqual(authenticated(v, 'none'));
        expect(run.steps).toEqual(['version', 'security', ...(result ? ['security-result' as const] : []), 'init']);
        expect(run.passwordAsked).toBe(0);
      },
    );

    it('ClientInit carries shared = 0 when asked not to share', async () => {
      const run = await converse([...opening('003.008', '003.008', [1], 1), ok, clientInit(false), serverInitTurn], {
        chunk,
        shared: false,
      });
      expect(run.outcome?.kind).toBe('authenticated');
    });
  });

  describe('security type choice', () => {
    it.each([
      [[1, 2], 2],
      [[2, 1], 2],
      [[16, 1], 1],
      [[30, 2, 16], 2],
    ])('offer %j: main chooses %i', async (types, choice) => {
      const turns = [...opening('003.008', '003.008', types, choice)];
      const run = await converse(
        choice === 2 ? [...turns, ...vncAuthToInit] : [...turns, ok, clientInit(), serverInitTurn],
        { chunk },
      );
      expect(run.outcome).toMatchObject({ kind: 'authenticated', security: choice === 2 ? 'vnc-auth' : 'none' });
    });

    it('VeNCrypt is preferred to VncAuth and None, but not once it was ruled out (the second try)', async () => {
      const first = await converse(
        [...opening('003.008', '003.008', [1, 2, 19], 19), { server: [0, 1], step: 'vencrypt' }],
        { chunk },
      );
      expect(first.outcome).toEqual({ kind: 'retry-without-vencrypt', subtypes: [] });
      const second = await converse([...opening('003.008', '003.008', [1, 2, 19], 2), ...vncAuthToInit], {
        chunk,
        allowVeNCrypt: false,
      });
      expect(second.outcome).toMatchObject({ kind: 'authenticated', security: 'vnc-auth' });
    });
  });

  describe('pass-through', () => {
    it.each([
      ['003.008', [16, 30, 113], '3.8'],
      ['003.889', [30], '3.8'],
      ['003.007', [16], '3.7'],
      ['003.008', [99, 22], '3.8'],
    ] as const)(
      'server %s offering %j: main sends no type, and hands the page the version and offer as sent',
      async (server, types, v) => {
        const client = v === '3.8' ? '003.008' : '003.007';
        const run = await converse(opening(server, client, [...types]), { chunk });
        expect(run.outcome).toEqual({
          kind: 'passthrough',
          version: v,
          serverVersion: version(server),
          securityOffer: Buffer.from([types.length, ...types]),
        });
        expect(run.written).toEqual(version(client));
        expect(run.steps).toEqual(['version', 'security']);
        expect(run.passwordAsked).toBe(0);
      },
    );

    it.each([[16], [19], [30]])('RFB 3.3, the server picking %i: passed through as the U32 it sent', async (type) => {
      const run = await converse(opening('003.003', '003.003', [type]), { chunk });
      expect(run.outcome).toEqual({
        kind: 'passthrough',
        version: '3.3',
        serverVersion: version('003.003'),
        securityOffer: u32(type),
      });
      expect(run.written).toEqual(version('003.003'));
    });

    it('types neither main nor the page can do: VNC_UNSUPPORTED_SECURITY naming them; not allowed: the same', async () => {
      const err = await failure(opening('003.008', '003.008', [99, 200]), { chunk });
      expect(err.code).toBe('VNC_UNSUPPORTED_SECURITY');
      expect(err.details).toEqual({ types: [99, 200] });
      expect(err.run.written).toEqual(version('003.008'));
      const off = await failure(opening('003.008', '003.008', [16, 30]), { chunk, allowPassthrough: false });
      expect(off.code).toBe('VNC_UNSUPPORTED_SECURITY');
      expect(off.details).toEqual({ types: [16, 30] });
      const off33 = await failure(opening('003.003', '003.003', [16]), { chunk, allowPassthrough: false });
      expect(off33.details).toEqual({ types: [16] });
    });
  });

  describe('VeNCrypt 0.2, up to the TLS hand-off and after it', () => {
    /** Up to the subtype main picks; returns the turns. */
    function toSubtype(subtypes: number[], chosen: number | undefined, types = [19]): Turn[] {
      return [
        ...opening('003.008', '003.008', types, 19),
        { server: [0, 2], step: 'vencrypt' },
        { client: [0, 2] },
        { server: [0], step: 'vencrypt' },
        { server: [subtypes.length, ...subtypes.flatMap((s) => [...u32(s)])], step: 'vencrypt' },
        ...(chosen === undefined ? [] : [{ client: u32(chosen) }]),
      ];
    }

    const plain = (user: string, password: string): Buffer => {
      const u = Buffer.from(user, 'utf8');
      const p = Buffer.from(password, 'utf8');
      return Buffer.concat([u32(u.length), u32(p.length), u, p]);
    };

    it.each([
      // [offered, chosen, TLS, inner auth, security, options]
      [[256, 257, 258, 259, 260, 261, 262], 261, 'x509', 'vnc', 'vencrypt-x509-vnc', { username: 'alice' }],
      [[257, 258, 259, 260, 262], 262, 'x509', 'plain', 'vencrypt-x509-plain', { username: 'alice' }],
      [[257, 258, 259, 260, 262], 260, 'x509', 'none', 'vencrypt-x509-none', {}],
      [[257, 258, 259], 258, 'anon', 'vnc', 'vencrypt-tls-vnc', { username: 'alice' }],
      [[257, 259], 259, 'anon', 'plain', 'vencrypt-tls-plain', { username: 'jürgen' }],
      [[257, 259], 257, 'anon', 'none', 'vencrypt-tls-none', {}],
      [[2, 256, 257], 257, 'anon', 'none', 'vencrypt-tls-none', { username: 'alice' }],
      [[262, 261], 261, 'x509', 'vnc', 'vencrypt-x509-vnc', { username: 'alice' }],
    ] as const)(
      'offered %j: main picks %i, starts %s TLS with nothing buffered, then %s auth',
      async (offered, chosen, kind, inner, security, opts) => {
        const username = 'username' in opts ? opts.username : undefined;
        const after: Turn[] =
          inner === 'vnc'
            ? [{ server: CHALLENGE, step: 'challenge' }, { client: RESPONSE }]
            : inner === 'plain'
              ? [{ client: plain(username as string, PASSWORD) }]
              : [];
        const run = await converse(
          [
            ...toSubtype([...offered], chosen),
            { server: [1], step: 'vencrypt' },
            { tls: kind },
            ...after,
            ok,
            clientInit(),
            serverInitTurn,
          ],
          { chunk, username },
        );
        expect(run.outcome).toEqual(authenticated('3.8', security));
        expect(run.tls).toEqual([{ kind, step: 'tls', buffered: 0 }]);
        const inners: VncStep[] = inner === 'vnc' ? ['challenge', 'password'] : inner === 'plain' ? ['password'] : [];
        expect(run.steps).toEqual([
          'version',
          'security',
          'vencrypt',
          'tls',
          ...(kind === 'x509' ? ['certificate' as const] : []),
          ...inners,
          'security-result',
          'init',
        ]);
        expect(run.passwordAsked).toBe(inner === 'none' ? 0 : 1);
      },
    );

    it('RFB 3.7 has VeNCrypt too, and its SecurityResult', async () => {
      const turns: Turn[] = [
        ...opening('003.007', '003.007', [19], 19),
        { server: [0, 2] },
        { client: [0, 2] },
        { server: [0, 1, ...u32(261)] },
        { client: u32(261) },
        { server: [1] },
        { tls: 'x509' },
        ...vncAuthToInit,
      ];
      expect((await converse(turns, { chunk })).outcome).toEqual(authenticated('3.7', 'vencrypt-x509-vnc'));
    });

    it('bytes after TLS started belong to TLS: pushed after the hand-off, they are read as the inner auth', async () => {
      const run = await converse([...toSubtype([258], 258), { server: [1] }, { tls: 'anon' }, ...vncAuthToInit], {
        chunk,
      });
      expect(run.outcome).toMatchObject({ security: 'vencrypt-tls-vnc' });
    });

    it.each([
      ['refuses the subtype (0)', 0],
      ['answers 2', 2],
      ['answers 255', 255],
    ])('the server %s after the pick: VNC_SERVER_REFUSED, no TLS', async (_what, answer) => {
      const err = await failure([...toSubtype([261], 261), { server: [answer] }], { chunk });
      expect(err.code).toBe('VNC_SERVER_REFUSED');
      expect(err.details).toEqual({ step: 'vencrypt', subtype: 261 });
      expect(err.run.tls).toEqual([]);
    });

    it.each([
      ['version 0.1 (other numbering)', [0, 1], [19]],
      ['version 0.0', [0, 0], [19]],
    ])('a server speaking %s: main answers nothing and asks to retry without VeNCrypt', async (_what, v, written) => {
      const run = await converse([...opening('003.008', '003.008', [19, 2], 19), { server: v }], { chunk });
      expect(run.outcome).toEqual({ kind: 'retry-without-vencrypt', subtypes: [] });
      expect(run.written).toEqual(Buffer.concat([version('003.008'), Buffer.from(written)]));
    });

    it.each([[[0, 3]], [[1, 0]], [[0, 2]]])('a server at version %j: main says 0.2', async (v) => {
      const run = await converse(
        [...opening('003.008', '003.008', [19, 2], 19), { server: v }, { client: [0, 2] }, { server: [1] }],
        { chunk },
      );
      // The server's 1 refuses 0.2.
      expect(run.outcome).toEqual({ kind: 'retry-without-vencrypt', subtypes: [] });
    });

    it.each([
      ['Plain only: the password would go in clear', [256], {}],
      ['no subtypes at all', [], {}],
      ['VncAuth listed as a subtype, without TLS', [2], {}],
      ['Plain subtypes without a user name', [262, 259], {}],
      ['anonymous TLS only, which this TLS library cannot do', [258, 257], { anonymousTls: false }],
    ])('%s: retry without VeNCrypt (VncAuth offered too), naming the subtypes', async (_what, subtypes, opts) => {
      const run = await converse(toSubtype(subtypes, undefined, [19, 2]), { chunk, ...opts });
      expect(run.outcome).toEqual({ kind: 'retry-without-vencrypt', subtypes });
      expect(run.steps).toEqual(['version', 'security', 'vencrypt']);
    });

    it('only anonymous TLS, no other type: VNC_ANONYMOUS_TLS_UNAVAILABLE at once, naming them', async () => {
      const err = await failure(toSubtype([258, 257], undefined, [19]), { chunk, anonymousTls: false });
      expect(err.code).toBe('VNC_ANONYMOUS_TLS_UNAVAILABLE');
      expect(err.details).toEqual({
        step: 'vencrypt',
        types: [19],
        offered: 'VeNCrypt (TLSVnc, TLSNone)',
        anonymousTls: ['TLSVnc', 'TLSNone'],
      });
      // A pass-through type elsewhere would still do.
      const tight = await converse(toSubtype([258], undefined, [19, 16]), { chunk, anonymousTls: false });
      expect(tight.outcome).toEqual({ kind: 'retry-without-vencrypt', subtypes: [258] });
      const noPage = await failure(toSubtype([258], undefined, [19, 16]), {
        chunk,
        anonymousTls: false,
        allowPassthrough: false,
      });
      expect(noPage.code).toBe('VNC_ANONYMOUS_TLS_UNAVAILABLE');
    });

    it('the second try remembers skipped anonymous subtypes: VncAuth reports them', async () => {
      const run = await converse([...opening('003.008', '003.008', [19, 2], 2), ...vncAuthToInit], {
        chunk,
        allowVeNCrypt: false,
        anonymousTls: false,
        earlierSubtypes: [258, 261, 257],
      });
      expect(run.outcome).toEqual(authenticated('3.8', 'vnc-auth', { anonymousTlsSkipped: ['TLSVnc', 'TLSNone'] }));
    });
  });

  describe('"Require encryption"', () => {
    it.each([
      [[1], 'None'],
      [[2, 1], 'VncAuth, None'],
      [[16], 'Tight'],
    ])('offer %j: VNC_ENCRYPTION_UNAVAILABLE, no type chosen, no password', async (types, offered) => {
      const err = await failure(opening('003.008', '003.008', types), { chunk, requireEncryption: true });
      expect(err.code).toBe('VNC_ENCRYPTION_UNAVAILABLE');
      expect(err.details).toEqual({ step: 'security', offered });
      expect(err.run.written).toEqual(version('003.008'));
      expect(err.run.passwordAsked).toBe(0);
    });

    it('RFB 3.3, the server picking VncAuth: refused before the challenge', async () => {
      const err = await failure(opening('003.003', '003.003', [2]), { chunk, requireEncryption: true });
      expect(err.code).toBe('VNC_ENCRYPTION_UNAVAILABLE');
      expect(err.run.written).toEqual(version('003.003'));
    });

    it('VeNCrypt without a usable subtype: refused there, no retry; with one, it goes ahead', async () => {
      const turns: Turn[] = [
        ...opening('003.008', '003.008', [19, 2], 19),
        { server: [0, 2] },
        { client: [0, 2] },
        { server: [0, 2, ...u32(256), ...u32(258)] },
      ];
      const err = await failure(turns, { chunk, requireEncryption: true, anonymousTls: false });
      expect(err.code).toBe('VNC_ENCRYPTION_UNAVAILABLE');
      expect(err.details).toEqual({
        step: 'vencrypt',
        offered: 'VeNCrypt (Plain, TLSVnc), VncAuth',
        anonymousTls: ['TLSVnc'],
      });
      const run = await converse([...turns, { client: u32(258) }, { server: [1] }, { tls: 'anon' }, ...vncAuthToInit], {
        chunk,
        requireEncryption: true,
      });
      expect(run.outcome).toMatchObject({ security: 'vencrypt-tls-vnc' });
    });
  });

  describe('refusals and results', () => {
    it.each([
      ['003.008', [0]],
      ['003.007', [0]],
      ['003.003', [...u32(0)]],
    ])(
      'server %s refusing with a reason: VNC_SERVER_REFUSED with it, nothing written after the version',
      async (v, refusal) => {
        const err = await failure(
          [
            { server: version(v) },
            { client: version(v) },
            { server: [...refusal, ...rfbString('No access\u0007 from\u202e here')] },
          ],
          { chunk },
        );
        expect(err.code).toBe('VNC_SERVER_REFUSED');
        expect(err.details).toEqual({ step: 'security', reason: 'No access from here' });
      },
    );

    it('a refusal saying "too many": VNC_TOO_MANY_ATTEMPTS', async () => {
      const err = await failure(
        [
          { server: version('003.008') },
          { client: version('003.008') },
          { server: [0, ...rfbString('Too many security failures')] },
        ],
        { chunk },
      );
      expect(err.code).toBe('VNC_TOO_MANY_ATTEMPTS');
      expect(err.details).toEqual({ step: 'security', reason: 'Too many security failures' });
    });

    it('a refusal with an empty reason is still a refusal', async () => {
      const err = await failure(
        [{ server: version('003.008') }, { client: version('003.008') }, { server: [0, ...u32(0)] }],
        { chunk },
      );
      expect(err.code).toBe('VNC_SERVER_REFUSED');
      expect(err.details).toEqual({ step: 'security', reason: '' });
    });

    it.each([
      ['003.008', 2, 'vnc-auth', 'VNC_AUTH_FAILED', 'Authentication failure'],
      ['003.007', 2, 'vnc-auth', 'VNC_AUTH_FAILED', ''],
      ['003.003', 2, 'vnc-auth', 'VNC_AUTH_FAILED', ''],
      ['003.008', 1, 'none', 'VNC_SERVER_REFUSED', 'Authentication failure'],
    ] as const)(
      'server %s, type %i: a failed SecurityResult is %s (reason only in 3.8)',
      async (v, type, _security, code, reason) => {
        const auth: Turn[] = type === 2 ? [{ server: CHALLENGE }, { client: RESPONSE }] : [];
        const result: Turn = { server: [...u32(1), ...(v === '003.008' ? rfbString('Authentication failure') : [])] };
        const err = await failure([...opening(v, v, [type], type), ...auth, result], { chunk });
        expect(err.code).toBe(code);
        expect(err.details).toEqual({ step: 'security-result', reason });
        expect(err.run.steps.at(-1)).toBe('security-result');
      },
    );

    it('SecurityResult 2 (RFB 3.3 "too many"), or a 3.8 reason saying so: VNC_TOO_MANY_ATTEMPTS', async () => {
      const two = await failure(
        [...opening('003.003', '003.003', [2]), { server: CHALLENGE }, { client: RESPONSE }, { server: u32(2) }],
        { chunk },
      );
      expect(two.code).toBe('VNC_TOO_MANY_ATTEMPTS');
      const said = await failure(vncAuthResult38([...u32(1), ...rfbString('too many attempts, wait')]), { chunk });
      expect(said.code).toBe('VNC_TOO_MANY_ATTEMPTS');
      expect(said.details).toEqual({ step: 'security-result', reason: 'too many attempts, wait' });
      const other = await failure(vncAuthResult38([...u32(3), ...rfbString('no')]), { chunk });
      expect(other.code).toBe('VNC_AUTH_FAILED');
    });

    it('a failed 3.8 result whose server closes instead of explaining: still VNC_AUTH_FAILED', async () => {
      const err = await failure(vncAuthResult38([...u32(1), 0, 0]), { chunk, end: true });
      expect(err.code).toBe('VNC_AUTH_FAILED');
      expect(err.details).toEqual({ step: 'security-result', reason: '' });
    });

    it('no password for VncAuth: VNC_PASSWORD_REQUIRED and no answer to the challenge', async () => {
      const err = await failure([...opening('003.008', '003.008', [2], 2), { server: CHALLENGE }], {
        chunk,
        password: undefined,
      });
      expect(err.code).toBe('VNC_PASSWORD_REQUIRED');
      expect(err.run.written).toEqual(Buffer.concat([version('003.008'), Buffer.from([2])]));
    });

    it('an empty password is a password: answered, not VNC_PASSWORD_REQUIRED', async () => {
      const run = await converse(
        [
          ...opening('003.008', '003.008', [2], 2),
          { server: CHALLENGE },
          { client: expectedVncResponse('', CHALLENGE) },
          ok,
          clientInit(),
          serverInitTurn,
        ],
        {
          chunk,
          password: '',
        },
      );
      expect(run.outcome).toMatchObject({ security: 'vnc-auth' });
    });
  });

  describe('hostile lengths and sizes', () => {
    const refusalWithLength = (n: number): Turn[] => [
      { server: version('003.008') },
      { client: version('003.008') },
      { server: [0, ...u32(n)] },
    ];

    it.each([MAX_STRING_LENGTH + 1, 0x7fffffff, 0xffffffff])(
      'a reason of %i bytes: VNC_PROTOCOL_ERROR without waiting for them',
      async (n) => {
        const err = await failure(refusalWithLength(n), { chunk });
        expect(err.code).toBe('VNC_PROTOCOL_ERROR');
        expect(err.details).toEqual({ step: 'security', problem: `reason of ${n} bytes` });
      },
    );

    it('a failed SecurityResult with an absurd reason length: VNC_PROTOCOL_ERROR in security-result', async () => {
      const err = await failure(
        [...opening('003.008', '003.008', [1], 1), { server: [...u32(1), ...u32(0xffffffff)] }],
        { chunk },
      );
      expect(err.code).toBe('VNC_PROTOCOL_ERROR');
      expect(err.details).toEqual({ step: 'security-result', problem: `reason of ${0xffffffff} bytes` });
    });

    it.each([MAX_STRING_LENGTH + 1, 1 << 30, 0xffffffff])(
      'a desktop name of %i bytes: VNC_PROTOCOL_ERROR in init, without waiting',
      async (n) => {
        const head = INIT.subarray(0, 20);
        const err = await failure(
          [...opening('003.008', '003.008', [1], 1), ok, clientInit(), { server: [...head, ...u32(n)] }],
          { chunk },
        );
        expect(err.code).toBe('VNC_PROTOCOL_ERROR');
        expect(err.details).toEqual({ step: 'init', problem: `desktop name of ${n} bytes` });
      },
    );

    it('a desktop name that is not UTF-8: replaced for main, unchanged in ServerInit for the page', async () => {
      const init = serverInit(640, 480, '');
      const raw = Buffer.concat([init.subarray(0, 20), u32(3), Buffer.from([0x41, 0xff, 0x42])]);
      const run = await converse([...opening('003.008', '003.008', [1], 1), ok, clientInit(), { server: raw }], {
        chunk,
      });
      expect(run.outcome).toMatchObject({ serverInit: raw, desktopName: 'A\ufffdB', width: 640, height: 480 });
    });

    it('a largest-size framebuffer (65535×65535) keeps its size', async () => {
      const init = serverInit(65535, 65535, 'big');
      const run = await converse([...opening('003.008', '003.008', [1], 1), ok, clientInit(), { server: init }], {
        chunk,
      });
      expect(run.outcome).toMatchObject({ width: 65535, height: 65535, desktopName: 'big' });
    });

    it('a VeNCrypt subtype list of 255 unknown subtypes: read whole, then retry', async () => {
      const subtypes = Array.from({ length: 255 }, (_, i) => 1000 + i);
      const run = await converse(
        [
          ...opening('003.008', '003.008', [19, 2], 19),
          { server: [0, 2] },
          { client: [0, 2] },
          { server: [0, 255, ...subtypes.flatMap((s) => [...u32(s)])] },
        ],
        { chunk },
      );
      expect(run.outcome).toEqual({ kind: 'retry-without-vencrypt', subtypes });
    });
  });
});

/** Cases that need one particular split (or are too long to feed byte by byte). */
describe('RfbServerHandshake, chunks that matter', () => {
  const toSubtypeX509: Turn[] = [
    ...opening('003.008', '003.008', [19], 19),
    { server: [0, 2] },
    { client: [0, 2] },
    { server: [0, 1, ...u32(261)] },
    { client: u32(261) },
  ];
  const refusalWithLength = (n: number): Turn[] => [
    { server: version('003.008') },
    { client: version('003.008') },
    { server: [0, ...u32(n)] },
  ];

  it('the TLS hand-off: a server byte after "go ahead" and before TLS is refused, TLS not started', async () => {
    // The ack and a stray byte in one chunk, as a broken server sends them.
    const turns = [...toSubtypeX509, { server: [1, 0x16] }];
    const err = await failure(turns, { chunk: whole });
    expect(err.code).toBe('VNC_PROTOCOL_ERROR');
    expect(err.details).toEqual({ step: 'tls', problem: 'data before the TLS handshake' });
    expect(err.run.tls).toEqual([]);
  });

  it('a reason of exactly the limit is read (and shown shortened)', async () => {
    const err = await failure(
      [...refusalWithLength(MAX_STRING_LENGTH), { server: Buffer.alloc(MAX_STRING_LENGTH, 'a') }],
      { chunk: whole },
    );
    expect(err.code).toBe('VNC_SERVER_REFUSED');
    expect(err.details?.['reason']).toBe(`${'a'.repeat(200)}…`);
  });

  it('a desktop name of exactly the limit, and an empty one, are read whole', async () => {
    for (const name of ['x'.repeat(MAX_STRING_LENGTH), '']) {
      const init = serverInit(1, 1, name);
      const run = await converse([...opening('003.008', '003.008', [1], 1), ok, clientInit(), { server: init }], {
        chunk: whole,
      });
      expect(run.outcome).toMatchObject({ serverInit: init, desktopName: name, width: 1, height: 1 });
    }
  });

  it('server bytes after ServerInit stay for the page (takeRest)', async () => {
    const run = await converse(
      [
        ...opening('003.008', '003.008', [1], 1),
        ok,
        clientInit(),
        { server: Buffer.concat([INIT, Buffer.from('early')]) },
      ],
      { chunk: whole },
    );
    expect(run.outcome).toMatchObject({ serverInit: INIT });
    expect(run.handshake.takeRest().toString()).toBe('early');
  });
});

describe('the server ending the connection after every byte', () => {
  /** Server bytes before `cut`, with the client turns that came before them. */
  function truncated(turns: Turn[], cut: number): { turns: Turn[]; step: VncStep | undefined } {
    const out: Turn[] = [];
    let left = cut;
    for (const turn of turns) {
      if (!('server' in turn)) {
        out.push(turn);
        continue;
      }
      const b = bytes(turn.server);
      if (left < b.length) {
        if (left > 0) out.push({ server: b.subarray(0, left) });
        return { turns: out, step: turn.step };
      }
      out.push(turn);
      left -= b.length;
    }
    return { turns: out, step: undefined };
  }

  const total = (turns: Turn[]): number => turns.reduce((n, t) => n + ('server' in t ? bytes(t.server).length : 0), 0);

  const transcripts: Array<[string, Turn[], Options]> = [
    [
      '3.8 VncAuth',
      [
        ...opening('003.008', '003.008', [2], 2),
        { server: CHALLENGE, step: 'challenge' },
        { client: RESPONSE },
        ok,
        clientInit(),
        serverInitTurn,
      ],
      {},
    ],
    ['3.7 None', [...opening('003.007', '003.007', [1], 1), clientInit(), serverInitTurn], {}],
    [
      '3.3 VncAuth',
      [
        ...opening('003.003', '003.003', [2]),
        { server: CHALLENGE, step: 'challenge' },
        { client: RESPONSE },
        ok,
        clientInit(),
        serverInitTurn,
      ],
      {},
    ],
    [
      '3.8 VeNCrypt X509Plain',
      [
        ...opening('003.008', '003.008', [19], 19),
        { server: [0, 2], step: 'vencrypt' },
        { client: [0, 2] },
        { server: [0, 1, ...u32(262)], step: 'vencrypt' },
        { client: u32(262) },
        { server: [1], step: 'vencrypt' },
        { tls: 'x509' },
        { client: [0, 0, 0, 1, 0, 0, 0, 8, 0x75, ...Buffer.from(PASSWORD)] },
        ok,
        clientInit(),
        serverInitTurn,
      ],
      { username: 'u' },
    ],
  ];

  it.each(transcripts)('%s: VNC_SERVER_CLOSED naming the step it was in, at every cut', async (_name, turns, opts) => {
    expect((await converse(turns, opts)).outcome?.kind).toBe('authenticated');
    for (let cut = 0; cut < total(turns); cut++) {
      const t = truncated(turns, cut);
      const err = await failure(t.turns, { ...opts, end: true });
      expect(err.code, `cut at ${cut}`).toBe('VNC_SERVER_CLOSED');
      expect(err.details, `cut at ${cut}`).toEqual({ step: t.step });
    }
  });

  it('an end() with its own error (the owner gives up) fails the pending read with it', async () => {
    const state = new ConnectionState({ stepMs: 60_000, personMs: 60_000 });
    states.push(state);
    state.to('connecting');
    const handshake = new RfbServerHandshake(
      state,
      { write: () => undefined, password: async () => PASSWORD, startTls: async () => undefined },
      DEFAULTS,
    );
    const running = handshake.run();
    handshake.push(version('003.008').subarray(0, 4));
    const mine = new Error('aborted by the owner');
    handshake.end(mine);
    await expect(running).rejects.toBe(mine);
  });
});
