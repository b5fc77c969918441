// The gateway Session's state machine (main/gateway/session.ts) driven
// through every real way a session ends, against a real WebSocket client and
// real TCP targets: each run records the moves the session made and checks
// that no IllegalTransitionError escaped from an event handler (a thrown
// move there is an uncaught exception or an unhandled rejection) and that
// the session ends closed. Which close code the page sees on each path is
// test/gateway.test.ts's business; here it is checked only where it shows
// which path ran.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import http from 'node:http';
import type { Duplex } from 'node:stream';
import type { AddressInfo } from 'node:net';
import { WebSocket, WebSocketServer } from 'ws';
import { Session, type SessionState, type TrafficTotals } from '../main/gateway/session.js';
import type { GatewayTarget, TargetOpener } from '../main/gateway/target.js';
import { GatewayClose, GatewayCloseReason } from '../shared/gateway-protocol.js';
import { IllegalTransitionError } from '../shared/state-machine.js';
import { connectLoopback, freePort, startEchoServer, type TcpPeer } from './support/net.js';

const cleanups: Array<() => unknown> = [];
/** Whatever escaped from an event handler or a promise callback during the test. */
let escaped: unknown[] = [];
/** Resolves at the first escape, so a session that threw instead of closing fails at once. */
let firstEscape: Promise<void>;
let onFirstEscape: () => void;
const onEscaped = (err: unknown): void => {
  escaped.push(err);
  onFirstEscape();
};

beforeEach(() => {
  escaped = [];
  firstEscape = new Promise<void>((resolve) => (onFirstEscape = resolve));
  process.on('uncaughtException', onEscaped);
  process.on('unhandledRejection', onEscaped);
});

afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.();
  process.off('uncaughtException', onEscaped);
  process.off('unhandledRejection', onEscaped);
});

interface Observed {
  session: Session;
  /** Every move, as "from->to", in order. */
  moves: string[];
  /** Resolves when the session calls its onClosed callback. */
  gone: Promise<void>;
}

interface Page {
  ws: WebSocket;
  /** The page's close event: code and reason. */
  closed: Promise<{ code: number; reason: string }>;
  observed: Promise<Observed>;
}

/**
 * A WebSocket server on 127.0.0.1 that joins every upgrade to a Session (as
 * Gateway does, with its default limits), and a page connected to it.
 */
async function openPage(opener: TargetOpener): Promise<Page> {
  const server = http.createServer();
  const wss = new WebSocketServer({ noServer: true, clientTracking: false, perMessageDeflate: false });
  const totals: TrafficTotals = { framesToPage: 0, bytesToPage: 0, bytesFromPage: 0 };
  let observe!: (o: Observed) => void;
  const observed = new Promise<Observed>((resolve) => (observe = resolve));
  server.on('upgrade', (req, socket: Duplex, head) => {
    wss.handleUpgrade(req, socket, head, (ws) => {
      const moves: string[] = [];
      let onGone!: () => void;
      const gone = new Promise<void>((resolve) => (onGone = resolve));
      const session = new Session(1, ws, socket, { pageHighWaterMark: 1024 * 1024, corkWrites: true }, totals, onGone);
      session.subscribeState((next, previous) => moves.push(`${previous}->${next}`));
      session.start(opener);
      observe({ session, moves, gone });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        wss.close();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  const ws = new WebSocket(`ws://127.0.0.1:${(server.address() as AddressInfo).port}/`, { perMessageDeflate: false });
  ws.on('error', () => {});
  cleanups.push(() => ws.terminate());
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() })),
  );
  return { ws, closed, observed };
}

async function peer(p: Promise<TcpPeer>): Promise<TcpPeer> {
  const v = await p;
  cleanups.push(() => v.close());
  return v;
}

/** Connects to 127.0.0.1:`port` once `gate` (if any) resolves. */
function tcpOpener(port: number, gate?: Promise<void>): TargetOpener {
  return async () => {
    await gate;
    return connectLoopback(port);
  };
}

/**
 * A page whose session stays opening: the opener for its echo target waits
 * until release(). Returns once the page's WebSocket is open.
 */
async function openHeldOpening(): Promise<{ echo: TcpPeer; page: Page; o: Observed; release: () => void }> {
  const echo = await peer(startEchoServer());
  let release!: () => void;
  const page = await openPage(tcpOpener(echo.port, new Promise<void>((r) => (release = r))));
  const o = await page.observed;
  await opened(page.ws);
  return { echo, page, o, release };
}

/**
 * Lets a held opener (openHeldOpening) connect after its session ended: the
 * late target is connected once and destroyed, the session made only `moves`
 * moves, and nothing escaped.
 */
async function releaseLateTarget(
  held: { echo: TcpPeer; o: Observed; release: () => void },
  moves: number,
): Promise<void> {
  held.release();
  await expect.poll(() => held.echo.connections).toBe(1);
  await expect.poll(() => held.echo.sockets.size).toBe(0);
  expect(held.o.moves).toHaveLength(moves);
  expect(escaped).toEqual([]);
}

function opened(ws: WebSocket): Promise<void> {
  return new Promise((resolve) => (ws.readyState === ws.OPEN ? resolve() : ws.once('open', () => resolve())));
}

/** Waits for the session to end, then checks it ended closed, by `moves`, with nothing thrown. */
async function endsClosed(o: Observed, moves: string[]): Promise<void> {
  await Promise.race([o.gone, firstEscape]);
  expect(escaped.filter((e) => e instanceof IllegalTransitionError)).toEqual([]);
  expect(o.session.state).toBe<SessionState>('closed');
  expect(o.moves).toEqual(moves);
  expect(escaped).toEqual([]);
}

describe('the gateway session moves only along its table', () => {
  it('the page closes first (cleanly, then abruptly): open -> closed', async () => {
    const echo = await peer(startEchoServer());
    for (const end of [(ws: WebSocket) => ws.close(1000), (ws: WebSocket) => ws.terminate()]) {
      const page = await openPage(tcpOpener(echo.port));
      const o = await page.observed;
      await expect.poll(() => o.session.state).toBe('open');
      end(page.ws);
      await endsClosed(o, ['opening->open', 'open->closed']);
      await expect.poll(() => echo.sockets.size).toBe(0);
    }
  });

  it('the target closes first: open -> closing -> closed, and the page hears 4003', async () => {
    const echo = await peer(startEchoServer());
    const page = await openPage(tcpOpener(echo.port));
    const o = await page.observed;
    await expect.poll(() => echo.sockets.size).toBe(1);
    for (const s of echo.sockets) s.end();
    expect(await page.closed).toEqual({ code: GatewayClose.TARGET_CLOSED, reason: GatewayCloseReason.TARGET_CLOSED });
    await endsClosed(o, ['opening->open', 'open->closing', 'closing->closed']);
  });

  it('the target is reset while the page goes away at the same moment', async () => {
    const echo = await peer(startEchoServer());
    const page = await openPage(tcpOpener(echo.port));
    const o = await page.observed;
    await opened(page.ws);
    await expect.poll(() => echo.sockets.size).toBe(1);
    for (const s of echo.sockets) s.resetAndDestroy();
    page.ws.terminate();
    await Promise.race([o.gone, firstEscape]);
    expect(escaped).toEqual([]);
    expect(o.session.state).toBe('closed');
    // Whichever side the gateway heard first, the moves are along the table.
    expect([
      ['opening->open', 'open->closed'],
      ['opening->open', 'open->closing', 'closing->closed'],
    ]).toContainEqual(o.moves);
    expect(escaped).toEqual([]);
  });

  it('the target fails to open (refused, thrown, rejected): opening -> closing -> closed', async () => {
    const port = await freePort();
    const openers: TargetOpener[] = [
      tcpOpener(port),
      () => {
        throw new Error('boom');
      },
      async () => {
        throw Object.assign(new Error('x'), { code: 'ETIMEDOUT' });
      },
    ];
    for (const opener of openers) {
      const page = await openPage(opener);
      await endsClosed(await page.observed, ['opening->closing', 'closing->closed']);
      expect((await page.closed).code).toBeGreaterThanOrEqual(4000);
    }
  });

  it('closed during opening (gateway shutdown): opening -> closing -> closed; the late target is destroyed', async () => {
    const { echo, page, o, release } = await openHeldOpening();
    o.session.close({ code: GatewayClose.GOING_AWAY, reason: GatewayCloseReason.SHUTTING_DOWN });
    expect(await page.closed).toEqual({ code: GatewayClose.GOING_AWAY, reason: GatewayCloseReason.SHUTTING_DOWN });
    await endsClosed(o, ['opening->closing', 'closing->closed']);
    await releaseLateTarget({ echo, o, release }, 2);
  });

  it('the page goes away during opening: opening -> closed; the late target is destroyed', async () => {
    const { echo, page, o, release } = await openHeldOpening();
    page.ws.terminate();
    await endsClosed(o, ['opening->closed']);
    await releaseLateTarget({ echo, o, release }, 1);
  });

  it('a text frame sent while opening closes the session once it opens: open -> closing -> closed', async () => {
    const { page, o, release } = await openHeldOpening();
    page.ws.send(Buffer.from('before'), { binary: true });
    page.ws.send('not for a plain TCP target');
    release();
    expect(await page.closed).toEqual({
      code: GatewayClose.UNSUPPORTED_DATA,
      reason: GatewayCloseReason.TEXT_NOT_ACCEPTED,
    });
    await endsClosed(o, ['opening->open', 'open->closing', 'closing->closed']);
  });

  it('closed twice, then again after it is closed, then the target ends: one move each way', async () => {
    const echo = await peer(startEchoServer());
    const controlled: TargetOpener = async (link) => {
      const stream = await tcpOpener(echo.port)(link);
      return { stream: stream as Duplex, receiveControl: () => undefined } satisfies GatewayTarget;
    };
    const page = await openPage(controlled);
    const o = await page.observed;
    await expect.poll(() => o.session.state).toBe('open');
    o.session.close({ code: GatewayClose.NORMAL, reason: '' });
    o.session.close({ code: GatewayClose.INTERNAL, reason: GatewayCloseReason.CONTROL_FAILED });
    expect(o.session.state).toBe('closing');
    expect(await page.closed).toEqual({ code: GatewayClose.NORMAL, reason: '' });
    await endsClosed(o, ['opening->open', 'open->closing', 'closing->closed']);
    o.session.close({ code: GatewayClose.GOING_AWAY, reason: GatewayCloseReason.SHUTTING_DOWN });
    o.session.terminate();
    await expect.poll(() => echo.sockets.size).toBe(0);
    expect(o.moves).toHaveLength(3);
    expect(o.session.stats()).toMatchObject({ state: 'closed', bufferedToPage: 0, heldFromPage: 0 });
    expect(escaped).toEqual([]);
  });
});
