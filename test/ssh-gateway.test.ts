// End to end through the real Gateway: a ws client (as the page) redeems a
// ticket whose opener is an SSH shell on real sshd; keystrokes go as binary
// frames, output comes back, resize is a text frame seen by `stty size`,
// acks keep the flow going, a hostile text frame closes nothing, and `exit` arrives as an exit control frame
// before the close (4003, target closed).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { Gateway } from '../main/gateway/gateway.js';
import { GatewayClose } from '../shared/gateway-protocol.js';
import { startSshd, type Sshd } from './support/sshd.js';
import { SshConnection } from '../main/ssh/connection.js';
import { ConnectionPool, poolKey } from '../main/ssh/pool.js';
import { shellTargetOpener } from '../main/ssh/session.js';
import { keyUserOptions, trustFiles } from './fixtures/ssh/harness.js';

const ORIGIN = 'http://127.0.0.1:5173';
let sshd: Sshd;
let gw: Gateway;
const pool = new ConnectionPool();

beforeAll(async () => {
  sshd = await startSshd();
  gw = await Gateway.start({ allowedOrigins: [ORIGIN] });
});
afterAll(async () => {
  await pool.closeAll();
  await gw?.close();
  await sshd?.stop();
});

describe('SSH shell through the gateway', () => {
  it('echo hi, resize, exit frame, close', async () => {
    const t = trustFiles([sshd]);
    const opener = shellTargetOpener({
      pool,
      key: poolKey({ host: sshd.host, port: sshd.port, username: sshd.keyUser, credentials: [sshd.clientKeyPath] }),
      connect: () => SshConnection.connect(keyUserOptions(sshd, t)),
      cols: 80,
      rows: 24,
    });
    const ws = new WebSocket(gw.issueTicket(opener), { origin: ORIGIN, perMessageDeflate: false });
    const decoder = new TextDecoder();
    let text = '';
    const controls: Array<Record<string, unknown>> = [];
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      if (isBinary) {
        text += decoder.decode(data, { stream: true });
        // The page acks what it has drawn (xterm.js flow-control guide).
        ws.send(JSON.stringify({ type: 'ack', bytes: data.length }));
      } else controls.push(JSON.parse(data.toString()) as Record<string, unknown>);
    });
    const closed = new Promise<number>((r) => ws.once('close', (code) => r(code)));
    await new Promise((r, j) => {
      ws.once('open', r);
      ws.once('error', j);
    });
    await expect.poll(() => text).toMatch(/\$ $/);
    ws.send(Buffer.from('echo h""i\r'));
    await expect.poll(() => text).toMatch(/\rhi\r\n/);
    ws.send(JSON.stringify({ type: 'resize', cols: 132, rows: 43 }));
    ws.send(Buffer.from('stty size\r'));
    await expect.poll(() => text).toMatch(/43 132\r\n/);
    // A hostile text frame is refused on its own: the socket and the shell go on.
    ws.send('{"type":"resize","cols":1e9,"rows":"x"}');
    await expect.poll(() => controls.length).toBe(2);
    ws.send(Buffer.from('echo st""ill\r'));
    await expect.poll(() => text).toMatch(/\rstill\r\n/);
    ws.send(Buffer.from('exit 5\r'));
    const code = await closed;
    // 'ready' first (the shell is open), before any byte of it.
    expect(controls).toEqual([
      { type: 'ready' },
      expect.objectContaining({ type: 'error', code: 'SSH_BAD_CONTROL' }),
      { type: 'exit', code: 5, signal: null },
    ]);
    // The shell ended the session: the gateway says "target closed".
    expect(code).toBe(GatewayClose.TARGET_CLOSED);
    await expect.poll(() => pool.size).toBe(0);
  });

  it('sshd killed mid-session: the page hears one SSH_DISCONNECTED (no exit frame to draw over it), then the close', async () => {
    const doomed = await startSshd();
    try {
      const t = trustFiles([doomed]);
      const opener = shellTargetOpener({
        pool,
        key: 'doomed',
        connect: () =>
          SshConnection.connect(keyUserOptions(doomed, t, { keepaliveInterval: 200, keepaliveCountMax: 2 })),
        cols: 80,
        rows: 24,
      });
      const ws = new WebSocket(gw.issueTicket(opener), { origin: ORIGIN, perMessageDeflate: false });
      let text = '';
      const controls: Array<Record<string, unknown>> = [];
      ws.on('message', (data: Buffer, isBinary: boolean) => {
        if (isBinary) text += data.toString('utf8');
        else controls.push(JSON.parse(data.toString()) as Record<string, unknown>);
      });
      const closed = new Promise<number>((r) => ws.once('close', (code) => r(code)));
      await expect.poll(() => text).toMatch(/\$ $/);
      await doomed.kill();
      expect(await closed).toBe(GatewayClose.TARGET_CLOSED);
      expect(controls).toEqual([
        { type: 'ready' },
        expect.objectContaining({
          type: 'error',
          code: 'SSH_DISCONNECTED',
          message: expect.stringContaining('was lost'),
        }),
      ]);
      await expect.poll(() => pool.size).toBe(0);
    } finally {
      await doomed.stop();
    }
  });
});
