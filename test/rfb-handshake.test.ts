// main's RFB handshake against hand-written servers over real TCP sockets,
// every server byte delivered as its own chunk (oneByteAtATime) and every
// page byte written alone. Honest servers of each protocol version, hostile
// ones (bad versions, lengths, sizes, early closes), the page's side, and
// that nothing is left open afterwards.
import { afterEach, describe, expect, it } from 'vitest';
import net from 'node:net';
import { randomBytes } from 'node:crypto';
import type { Duplex } from 'node:stream';
import { HostdeckError } from '../shared/errors.js';
import { openAuthenticatedVnc, type AuthenticatedVnc, type OpenVncOptions } from '../main/vnc/vnc-connector.js';
import { ConnectionState } from '../main/vnc/connection-state.js';
import { IllegalTransitionError } from '../shared/state-machine.js';
import { connectTcp } from '../main/vnc/tcp-connect.js';
import { closeForTargetError, GatewayClose } from '../shared/gateway-protocol.js';
import { FakePage } from './fixtures/vnc/fake-page.js';
import {
  rfbString,
  serverInit,
  startFakeVncServer,
  u32,
  type FakeVncPeer,
  type FakeVncServer,
} from './fixtures/vnc/fake-vnc-server.js';
import { expectedVncResponse } from './fixtures/vnc/independent-vnc-auth.js';
import { oneByteAtATime } from './fixtures/vnc/one-byte-duplex.js';
import { VncRig } from './support/vnc-rig.js';

const PASSWORD = 'pa55word';
const NAME = 'fake desktop ✓';

const rig = new VncRig(openAuthenticatedVnc);
afterEach(() => rig.closeEach());
const fake = (script: (peer: FakeVncPeer, index: number) => Promise<void>): Promise<FakeVncServer> =>
  rig.closing(startFakeVncServer(script));

function options(server: FakeVncServer, extra: Partial<OpenVncOptions> = {}): OpenVncOptions {
  return {
    connect: async () => oneByteAtATime(net.connect(server.port, '127.0.0.1')),
    password: async () => PASSWORD,
    trustCertificate: async () => {
      throw new Error('no certificate expected');
    },
    timeouts: { stepMs: 5000 },
    ...extra,
  };
}

function open(server: FakeVncServer, extra: Partial<OpenVncOptions> = {}): Promise<AuthenticatedVnc> {
  return rig.open(options(server, extra));
}

/** The HostdeckError an open fails with (fails the test if it succeeds). */
function failure(server: FakeVncServer, extra: Partial<OpenVncOptions> = {}): Promise<HostdeckError> {
  return rig.failure(options(server, extra));
}

interface Seen {
  clientVersion?: string;
  choice?: number;
  response?: Buffer;
  shared?: number;
}

/**
 * An honest server: `pick` set means RFB 3.3 style (the server names the
 * type), otherwise it offers `types` and reads the client's choice.
 */
function honest(
  version: string,
  how: { types?: number[]; pick?: number; password?: string; after?: (peer: FakeVncPeer) => Promise<void> },
  seen: Seen = {},
) {
  return async (peer: FakeVncPeer): Promise<void> => {
    await peer.send(`RFB ${version}\n`);
    seen.clientVersion = (await peer.read(12)).toString('latin1');
    const v38 = seen.clientVersion === 'RFB 003.008\n';
    let type: number;
    if (how.pick !== undefined) {
      type = how.pick;
      await peer.send(u32(type));
    } else {
      await peer.send([how.types?.length ?? 0, ...(how.types ?? [])]);
      type = (await peer.read(1))[0] as number;
      seen.choice = type;
    }
    if (type === 2) {
      const challenge = randomBytes(16);
      await peer.send(challenge);
      seen.response = await peer.read(16);
      if (!seen.response.equals(expectedVncResponse(how.password ?? PASSWORD, challenge))) {
        await peer.send(u32(1), v38 ? rfbString('Authentication failure') : []);
        peer.socket.end();
        return;
      }
      await peer.send(u32(0));
    } else if (type === 1 && v38) {
      await peer.send(u32(0));
    }
    seen.shared = (await peer.read(1))[0] as number;
    await peer.send(serverInit(1024, 768, NAME));
    await how.after?.(peer);
  };
}

/** After the handshake, bytes flow both ways unchanged. */
async function expectPipe(page: FakePage, peer: Promise<FakeVncPeer>): Promise<void> {
  const p = await peer;
  // A FramebufferUpdateRequest from the page, a FramebufferUpdate header back.
  page.write([3, 0, 0, 0, 0, 0, 4, 0, 3, 0]);
  expect([...(await p.read(10))]).toEqual([3, 0, 0, 0, 0, 0, 4, 0, 3, 0]);
  await p.send([2, 0, 0, 0]);
  expect([...(await page.read(4))]).toEqual([2, 0, 0, 0]);
}

function peerPromise(): { promise: Promise<FakeVncPeer>; resolve: (p: FakeVncPeer) => void } {
  let resolve!: (p: FakeVncPeer) => void;
  const promise = new Promise<FakeVncPeer>((r) => (resolve = r));
  return { promise, resolve };
}

describe('protocol versions', () => {
  it.each([
    ['003.008', '3.8'],
    ['003.007', '3.7'],
    ['003.003', '3.3'],
    ['003.889', '3.8'], // Apple Remote Desktop
    ['003.006', '3.3'], // UltraVNC
    ['003.005', '3.3'],
    ['004.001', '3.8'], // RealVNC 4.6
    ['005.000', '3.8'],
  ])(
    'server %s: main answers %s, authenticates with VNC Authentication, the page gets 3.8 None',
    async (serverVersion, expected) => {
      const seen: Seen = {};
      const peer = peerPromise();
      const server = await fake(
        honest(
          serverVersion,
          {
            ...(expected === '3.3' ? { pick: 2 } : { types: [2] }),
            after: async (p) => {
              peer.resolve(p);
              await p.closed;
            },
          },
          seen,
        ),
      );
      let asked = 0;
      const result = await open(server, { password: async () => (asked++, PASSWORD) });
      expect(seen.clientVersion).toBe(`RFB 003.00${expected.slice(2)}\n`);
      expect(result).toMatchObject({
        version: expected,
        security: 'vnc-auth',
        encrypted: false,
        desktopName: NAME,
        width: 1024,
        height: 768,
      });
      expect(asked).toBe(1);
      expect(seen.shared).toBe(1);

      const page = new FakePage(result.stream);
      expect(await page.handshake38()).toEqual({ width: 1024, height: 768, name: NAME });
      // Exactly the None handshake and the replayed ServerInit: no challenge.
      expect(
        page.bytes.equals(
          Buffer.concat([Buffer.from('RFB 003.008\n'), Buffer.from([1, 1]), u32(0), serverInit(1024, 768, NAME)]),
        ),
      ).toBe(true);
      await expectPipe(page, peer.promise);
    },
  );

  it.each([
    ['003.008', { types: [1] }],
    ['003.007', { types: [1] }],
    ['003.003', { pick: 1 }],
  ])('server %s with None: SecurityResult only where the version has one', async (version, how) => {
    const seen: Seen = {};
    const server = await fake(honest(version, how, seen));
    // A SecurityResult wrongly awaited (or skipped) would deadlock into a timeout.
    const result = await open(server, {
      timeouts: { stepMs: 3000 },
      password: async () => {
        throw new Error('no password for None');
      },
    });
    expect(result).toMatchObject({ security: 'none', desktopName: NAME });
    const page = new FakePage(result.stream);
    expect((await page.handshake38()).name).toBe(NAME);
  });

  it.each([
    'HTTP/1.1 200',
    'RFB 003.00x\n',
    'RFB 000.000\n',
    'RFB 003.002\n',
    'RFB 003.008\r',
    '\0\0\0\0\0\0\0\0\0\0\0\0',
  ])('refuses the version %j', async (version) => {
    const server = await fake(async (peer) => {
      await peer.send(version);
      await peer.closed;
    });
    const err = await failure(server);
    expect(err.code).toBe('VNC_PROTOCOL_ERROR');
    expect(err.details).toMatchObject({ step: 'version' });
  });
});

describe('security type choice', () => {
  it('prefers VNC Authentication to None, and VeNCrypt to both', async () => {
    const seen: Seen = {};
    const server = await fake(honest('003.008', { types: [1, 2] }, seen));
    await open(server);
    expect(seen.choice).toBe(2);

    const vencrypt = await fake(async (peer) => {
      await peer.send('RFB 003.008\n');
      await peer.read(12);
      await peer.send([3, 1, 2, 19]);
      seen.choice = (await peer.read(1))[0];
      peer.socket.end();
    });
    await failure(vencrypt);
    expect(seen.choice).toBe(19);
  });

  it('reconnects without VeNCrypt when its only subtype would send the password in clear', async () => {
    const choices: number[] = [];
    const server = await fake(async (peer, index) => {
      if (index === 0) {
        await peer.send('RFB 003.008\n');
        await peer.read(12);
        await peer.send([2, 19, 2]);
        choices.push((await peer.read(1))[0] as number);
        await peer.send([0, 2]);
        expect([...(await peer.read(2))]).toEqual([0, 2]);
        await peer.send([0, 1], u32(256)); // VeNCrypt Plain only
        await peer.closed;
        return;
      }
      const seen: Seen = {};
      await honest('003.008', { types: [19, 2] }, seen)(peer);
      choices.push(seen.choice as number);
    });
    const result = await open(server);
    expect(result.security).toBe('vnc-auth');
    expect(choices).toEqual([19, 2]);
    expect(server.connections).toBe(2);
    await server.settled();
  });

  it('passes types main cannot do (Tight, Apple ARD, MS-Logon) through to the page unchanged', async () => {
    const peer = peerPromise();
    const server = await fake(async (p) => {
      await p.send('RFB 003.889\n');
      expect((await p.read(12)).toString('latin1')).toBe('RFB 003.008\n');
      await p.send([3, 16, 30, 113]);
      peer.resolve(p);
      await p.closed;
    });
    const result = await open(server, {
      password: async () => {
        throw new Error('the page handles the password');
      },
    });
    expect(result).toMatchObject({ security: 'passthrough', encrypted: false, version: '3.8' });
    expect(result.desktopName).toBeUndefined();
    const page = new FakePage(result.stream);
    expect((await page.read(12)).toString('latin1')).toBe('RFB 003.889\n');
    page.write('RFB 003.008\n');
    expect([...(await page.read(4))]).toEqual([3, 16, 30, 113]);
    page.write([30]);
    const p = await peer.promise;
    expect([...(await p.read(1))]).toEqual([30]);
    await p.send('ard');
    expect((await page.read(3)).toString()).toBe('ard');
  });

  it('fails a passthrough when the page answers another version than main gave the server', async () => {
    const server = await fake(async (p) => {
      await p.send('RFB 003.008\n');
      await p.read(12);
      await p.send([1, 30]);
      await p.closed;
    });
    const result = await open(server);
    const page = new FakePage(result.stream);
    await page.read(12);
    page.write('RFB 003.003\n');
    const err = (await page.ended) as HostdeckError;
    expect(err.code).toBe('VNC_PROTOCOL_ERROR');
    expect(err.details).toMatchObject({ side: 'page' });
  });

  it('refuses types neither main nor the page can do, and passthrough when not allowed', async () => {
    const offer = (types: number[]) => async (p: FakeVncPeer) => {
      await p.send('RFB 003.008\n');
      await p.read(12);
      await p.send([types.length, ...types]);
      await p.closed;
    };
    const err = await failure(await fake(offer([99, 200])));
    expect(err.code).toBe('VNC_UNSUPPORTED_SECURITY');
    expect(err.details).toEqual({ types: [99, 200] });
    expect((await failure(await fake(offer([30])), { allowPassthrough: false })).code).toBe('VNC_UNSUPPORTED_SECURITY');
  });
});

describe('failures', () => {
  it('wrong password: VNC_AUTH_FAILED with the server reason (3.8) or without (3.7, 3.3)', async () => {
    for (const how of [
      { v: '003.008', types: [2] },
      { v: '003.007', types: [2] },
      { v: '003.003', pick: 2 },
    ]) {
      const server = await fake(honest(how.v, { ...how, password: 'other' }));
      const err = await failure(server);
      expect(err.code).toBe('VNC_AUTH_FAILED');
      expect(err.details).toMatchObject({
        step: 'security-result',
        reason: how.v === '003.008' ? 'Authentication failure' : '',
      });
    }
  });

  it('too many attempts: SecurityResult 2, or a refusal that says so', async () => {
    const result2 = await fake(async (p) => {
      await p.send('RFB 003.003\n');
      await p.read(12);
      await p.send(u32(2), randomBytes(16));
      await p.read(16);
      await p.send(u32(2));
      await p.closed;
    });
    expect((await failure(result2)).code).toBe('VNC_TOO_MANY_ATTEMPTS');
    const blacklisted = await fake(async (p) => {
      await p.send('RFB 003.008\n');
      await p.read(12);
      await p.send([0], rfbString('Too many security failures'));
      await p.closed;
    });
    const err = await failure(blacklisted);
    expect(err.code).toBe('VNC_TOO_MANY_ATTEMPTS');
    expect(err.message).toContain('Too many security failures');
  });

  it('a refusal with a hostile reason: cleaned and bounded', async () => {
    const reason = `Go away\u0007\u001b[31m\u202eevil\n${'x'.repeat(5000)}`;
    for (const [version, refusal] of [
      ['003.008', [0]],
      ['003.003', u32(0)],
    ] as const) {
      const server = await fake(async (p) => {
        await p.send(`RFB ${version}\n`);
        await p.read(12);
        await p.send(Buffer.from(refusal), rfbString(reason));
        await p.closed;
      });
      const err = await failure(server);
      expect(err.code).toBe('VNC_SERVER_REFUSED');
      const shown = err.details?.['reason'] as string;
      expect(shown.startsWith('Go away [31m evil x')).toBe(true);
      expect(shown).not.toMatch(/[\u0000-\u001f\u202e]/);
      expect([...shown].length).toBeLessThanOrEqual(201);
    }
  });

  it('absurd lengths are refused without waiting for the bytes', async () => {
    const bigReason = await fake(async (p) => {
      await p.send('RFB 003.008\n');
      await p.read(12);
      await p.send([0], u32(0xffffffff));
      await p.closed;
    });
    const err = await failure(bigReason);
    expect(err.code).toBe('VNC_PROTOCOL_ERROR');
    expect(err.details).toMatchObject({ step: 'security' });

    const bigName = await fake(async (p) => {
      await p.send('RFB 003.008\n');
      await p.read(12);
      await p.send([1, 1]);
      await p.read(1);
      await p.send(u32(0));
      await p.read(1);
      // A ServerInit whose desktop name claims 1 GiB.
      await p.send(serverInit(800, 600, '').subarray(0, 20), u32(1 << 30));
      await p.closed;
    });
    const err2 = await failure(bigName);
    expect(err2.code).toBe('VNC_PROTOCOL_ERROR');
    expect(err2.details).toMatchObject({ step: 'init' });
  });

  // A full 3.8 VNC Authentication transcript, cut at every step boundary and inside messages.
  it.each([
    ['before the version', 0, 'version'],
    ['inside the version', 5, 'version'],
    ['after the version', 12, 'security'],
    ['inside the type list', 13, 'security'],
    ['inside the challenge', 20, 'challenge'],
    ['before the result', 30, 'security-result'],
    ['inside the result', 32, 'security-result'],
    ['inside ServerInit', 40, 'init'],
    ['inside the desktop name', 34 + 24 + 1, 'init'],
  ])('the server closing %s: VNC_SERVER_CLOSED', async (_what, cut, step) => {
    const server = await fake(async (p) => {
      const transcript = Buffer.concat([
        Buffer.from('RFB 003.008\n'),
        Buffer.from([1, 2]),
        randomBytes(16),
        u32(0),
        serverInit(800, 600, 'cut'),
      ]);
      // [end of a server message, length of main's answer to it]: answering
      // as main speaks puts the cut in the intended step.
      const messages = [
        [12, 12],
        [14, 1],
        [30, 16],
        [34, 1],
      ] as const;
      let sent = 0;
      for (const [end, answer] of messages) {
        const upTo = Math.min(end, cut);
        await p.send(transcript.subarray(sent, upTo));
        sent = upTo;
        if (upTo < end) break;
        await p.read(answer);
      }
      if (sent < cut) await p.send(transcript.subarray(sent, cut));
      p.socket.end();
      await p.closed;
    });
    const err = await failure(server);
    expect(err.code).toBe('VNC_SERVER_CLOSED');
    expect(err.details).toMatchObject({ step });
  });

  it('no password: VNC_PASSWORD_REQUIRED, and the server connection is closed', async () => {
    let closed!: Promise<void>;
    const server = await fake(async (p) => {
      closed = p.closed;
      await honest('003.008', { types: [2] })(p).catch(() => undefined);
    });
    const err = await failure(server, { password: async () => undefined });
    expect(err.code).toBe('VNC_PASSWORD_REQUIRED');
    await closed;
  });

  it('the server leaving while the person types the password: fails at once, and the prompt is told', async () => {
    const server = await fake(async (p) => {
      await p.send('RFB 003.008\n', [1, 2], randomBytes(16));
      await p.read(12);
      await p.read(1);
      p.socket.end();
    });
    let promptSignal!: AbortSignal;
    const err = await failure(server, {
      password: (signal) => {
        promptSignal = signal;
        return new Promise(() => undefined);
      },
    });
    expect(err.code).toBe('VNC_SERVER_CLOSED');
    expect(err.details).toEqual({ step: 'password' });
    expect(promptSignal.aborted).toBe(true);
  });

  it('a connect that never finishes: VNC_TIMEOUT, and a late connection is closed', async () => {
    const server = await fake(async (p) => void (await p.closed));
    let finish!: (s: Duplex) => void;
    const err = await failure(server, {
      connect: () => new Promise((resolve) => (finish = resolve)),
      timeouts: { stepMs: 100 },
    });
    expect(err.code).toBe('VNC_TIMEOUT');
    expect(err.details).toEqual({ step: 'connecting' });
    const late = net.connect(server.port, '127.0.0.1');
    finish(late);
    await expect.poll(() => late.destroyed).toBe(true);
  });

  it('a silent server: VNC_TIMEOUT naming the step', async () => {
    const server = await fake(async (p) => {
      await p.send('RFB 003.008\n');
      await p.read(12);
      await p.closed;
    });
    const err = await failure(server, { timeouts: { stepMs: 200 } });
    expect(err.code).toBe('VNC_TIMEOUT');
    expect(err.details).toEqual({ step: 'security' });
  });

  it('an unreachable server: VNC_CONNECTION_REFUSED with the errno, which the gateway also reads as refused', async () => {
    const server = await fake(async () => undefined);
    const port = server.port;
    await server.close();
    const err = await openAuthenticatedVnc({ ...options(server), connect: () => connectTcp('127.0.0.1', port) }).catch(
      (e: unknown) => e,
    );
    expect((err as HostdeckError).code).toBe('VNC_CONNECTION_REFUSED');
    expect((err as HostdeckError).details).toMatchObject({ errno: 'ECONNREFUSED', port });
    expect(closeForTargetError((err as HostdeckError).code, false).code).toBe(GatewayClose.TARGET_REFUSED);
    const live = await fake(async () => undefined);
    const aborted = await connectTcp('127.0.0.1', live.port, AbortSignal.abort()).catch((e: unknown) => e);
    expect((aborted as Error).name).toBe('AbortError');
  });
});

describe('abort', () => {
  it('while the person is asked for the password: VNC_ABORTED, server connection closed', async () => {
    let closed!: Promise<void>;
    const server = await fake(async (p) => {
      closed = p.closed;
      await honest('003.008', { types: [2] })(p).catch(() => undefined);
    });
    const controller = new AbortController();
    const opening = openAuthenticatedVnc(
      options(server, {
        signal: controller.signal,
        password: () => {
          controller.abort(new Error('tab closed'));
          return new Promise(() => undefined);
        },
      }),
    );
    const err = (await opening.catch((e: unknown) => e)) as HostdeckError;
    expect(err.code).toBe('VNC_ABORTED');
    expect(err.details).toEqual({ step: 'password' });
    await closed;
  });

  it('before it starts: nothing is connected', async () => {
    const server = await fake(async () => undefined);
    const err = (await openAuthenticatedVnc(options(server, { signal: AbortSignal.abort() })).catch(
      (e: unknown) => e,
    )) as HostdeckError;
    expect(err.code).toBe('VNC_ABORTED');
    expect(server.connections).toBe(0);
  });

  it('after success: the stream and the server connection close', async () => {
    let closed!: Promise<void>;
    const server = await fake(async (p) => {
      closed = p.closed;
      await honest('003.008', { types: [1] })(p);
    });
    const controller = new AbortController();
    const result = await open(server, { signal: controller.signal });
    const page = new FakePage(result.stream);
    controller.abort();
    expect(((await page.ended) as HostdeckError).code).toBe('VNC_ABORTED');
    await closed;
  });
});

describe('the page side', () => {
  async function authenticated(
    after?: (p: FakeVncPeer) => Promise<void>,
  ): Promise<{ page: FakePage; serverClosed: Promise<void> }> {
    let serverClosed!: Promise<void>;
    const server = await fake(async (p) => {
      serverClosed = p.closed;
      await honest('003.008', { types: [1], ...(after ? { after } : {}) })(p);
    });
    const result = await open(server, { timeouts: { stepMs: 5000 } });
    return { page: new FakePage(result.stream), serverClosed };
  }

  it('a 3.3 page gets the type as a U32 and no SecurityResult', async () => {
    const { page } = await authenticated();
    await page.read(12);
    page.write('RFB 003.003\n');
    expect([...(await page.read(4))]).toEqual([0, 0, 0, 1]);
    page.write([0]);
    expect((await page.serverInit()).name).toBe(NAME);
  });

  it('a 3.7 page gets the list and no SecurityResult', async () => {
    const { page } = await authenticated();
    await page.read(12);
    page.write('RFB 003.007\n');
    expect([...(await page.read(2))]).toEqual([1, 1]);
    page.write([1, 1]);
    expect((await page.serverInit()).width).toBe(1024);
  });

  it.each([
    ['chooses VNC Authentication', ['RFB 003.008\n', [2]]],
    ['sends a garbage version', ['GET / HTTP/1.1\r\n']],
    ['claims version 4.0', ['RFB 004.000\n']],
  ])('a page that %s is cut off with VNC_PROTOCOL_ERROR, server closed', async (_what, writes) => {
    const { page, serverClosed } = await authenticated();
    await page.read(12);
    for (const w of writes) page.write(w as string);
    const err = (await page.ended) as HostdeckError;
    expect(err.code).toBe('VNC_PROTOCOL_ERROR');
    await serverClosed;
  });

  it('a page that never answers: VNC_TIMEOUT in page-handshake', async () => {
    const server = await fake(honest('003.008', { types: [1] }));
    const result = await open(server, { timeouts: { stepMs: 300 } });
    const page = new FakePage(result.stream);
    const err = (await page.ended) as HostdeckError;
    expect(err.code).toBe('VNC_TIMEOUT');
    expect(err.details).toEqual({ step: 'page-handshake', side: 'page' });
  });

  it('server bytes sent right after ServerInit reach the page after it, in order', async () => {
    const { page } = await authenticated(async (p) => {
      await p.send('early');
      await p.closed;
    });
    await page.handshake38();
    expect((await page.read(5)).toString()).toBe('early');
  });
});

describe('piping', () => {
  /** An honest 3.8 None server over a plain socket; resolves after the page's handshake. */
  async function session(): Promise<{
    result: AuthenticatedVnc;
    page: FakePage;
    peer: FakeVncPeer;
    client: net.Socket;
  }> {
    const ready = peerPromise();
    const server = await fake(
      honest('003.008', {
        types: [1],
        after: async (p) => {
          ready.resolve(p);
          await p.closed;
        },
      }),
    );
    let client!: net.Socket;
    const result = await open(server, { connect: async () => (client = net.connect(server.port, '127.0.0.1')) });
    const page = new FakePage(result.stream);
    await page.handshake38();
    return { result, page, peer: await ready.promise, client };
  }

  it('holds the server back while the page does not read, and loses nothing', async () => {
    const { result, page, peer, client } = await session();
    result.stream.pause();
    // More than loopback's socket buffers can hold, so the server must stall.
    const total = 24 * 1024 * 1024;
    const pattern = Buffer.alloc(64 * 1024, 0).map((_, i) => i % 251);
    let wrote = 0;
    void (async () => {
      while (wrote < total && !peer.socket.destroyed) {
        wrote += pattern.length;
        if (!peer.socket.write(pattern)) await new Promise((r) => peer.socket.once('drain', r));
      }
    })();
    // The page reads nothing: main stops reading the server, and the server's writes stall.
    await expect.poll(() => client.isPaused()).toBe(true);
    await expect.poll(() => peer.socket.writableLength > 0).toBe(true);
    expect(wrote).toBeLessThan(total);
    expect(result.stream.readableLength).toBeLessThan(1024 * 1024);
    result.stream.resume();
    const got = await page.read(total);
    expect(got.every((b, i) => b === (i % (64 * 1024)) % 251)).toBe(true);
  });

  it('holds the page back while the server does not read, and loses nothing', async () => {
    const { result, peer } = await session();
    peer.socket.pause();
    const chunk = Buffer.alloc(64 * 1024).map((_, i) => i % 253);
    let written = 0;
    while (result.stream.write(chunk)) {
      written += chunk.length;
      // Without backpressure every write would be taken at once.
      if (written > 128 * 1024 * 1024) throw new Error('the page side never pushed back');
    }
    written += chunk.length;
    expect(result.stream.writableNeedDrain).toBe(true);
    // The server reads only now: everything written must still arrive intact.
    peer.socket.resume();
    const got = await peer.read(written);
    expect(got.every((b, i) => b === (i % (64 * 1024)) % 253)).toBe(true);
  });

  it("the page's end ends the server connection, whose end closes the page", async () => {
    const { result, page, peer } = await session();
    const serverEnded = new Promise((r) => peer.socket.once('end', r));
    result.stream.end();
    await serverEnded;
    expect(await page.ended).toBeUndefined();
  });
});

describe('the connection state machine', () => {
  it('refuses illegal transitions and clears its timer on close', async () => {
    const state = new ConnectionState({ stepMs: 50, personMs: 50 });
    expect(() => state.to('open')).toThrow(IllegalTransitionError);
    expect(() => state.to('open')).toThrow('VNC connection: illegal state change idle -> open');
    state.to('connecting');
    state.to('version');
    expect(() => state.to('init')).toThrow(/version -> init/);
    const timedOut: string[] = [];
    state.setTimeoutHandler((step) => timedOut.push(step));
    state.to('security');
    await expect.poll(() => timedOut).toEqual(['security']);
    state.to('challenge');
    const timers = (): number => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    const before = timers();
    expect(state.close()).toBe(true);
    expect(timers()).toBe(before - 1);
    expect(state.close()).toBe(false);
    expect(() => state.to('password')).toThrow(/closed -> password/);
  });
});

describe('nothing is left open', () => {
  /** Sockets and timers of this process (vitest's own are in the baseline). */
  function live(): { sockets: number; timers: number } {
    const all = process.getActiveResourcesInfo();
    return {
      sockets: all.filter((r) => r === 'TCPSocketWrap').length,
      timers: all.filter((r) => r === 'Timeout').length,
    };
  }

  it('after success and close, after a failure, and after an abort', async () => {
    const server = await fake(async (p, index) => {
      if (index === 1) {
        await honest('003.008', { types: [2], password: 'wrong!' })(p);
        return;
      }
      await honest('003.008', { types: [2] })(p).catch(() => undefined);
      await p.closed;
    });
    // Sockets of earlier tests finish closing first.
    await expect.poll(() => live().sockets).toBe(0);
    const baseline = live();

    const ok = await openAuthenticatedVnc(options(server));
    const page = new FakePage(ok.stream);
    await page.handshake38();
    ok.stream.destroy();
    await expect.poll(live).toEqual(baseline);

    expect((await failure(server)).code).toBe('VNC_AUTH_FAILED');
    await expect.poll(live).toEqual(baseline);

    const controller = new AbortController();
    const aborted = openAuthenticatedVnc(
      options(server, {
        signal: controller.signal,
        password: () => (controller.abort(), new Promise(() => undefined)),
      }),
    );
    expect(((await aborted.catch((e: unknown) => e)) as HostdeckError).code).toBe('VNC_ABORTED');
    await expect.poll(live).toEqual(baseline);
  });
});
