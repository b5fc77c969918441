// The rig itself: each real peer starts on loopback with an OS-chosen port,
// does its one job, and is gone after stop().
import { afterAll, describe, expect, it } from 'vitest';
import net from 'node:net';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { Client } from 'ssh2';
import { opensshOptions, startSshd } from './support/sshd.js';
import { startXvnc } from './support/xvnc.js';
import { startChromium } from './support/chromium.js';
import { startEchoServer, startSinkServer, startSourceServer, patternChunk } from './support/net.js';

function portOpen(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(port, host);
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

function readAll(host: string, port: number, send?: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, host);
    const parts: Buffer[] = [];
    s.on('data', (d) => parts.push(d));
    s.on('end', () => resolve(Buffer.concat(parts)));
    s.on('error', reject);
    if (send) s.end(send);
  });
}

describe('tcp peers', () => {
  it('echo returns what it got', async () => {
    const echo = await startEchoServer();
    const got = await readAll(echo.host, echo.port, Buffer.from('hello rig'));
    expect(got.toString()).toBe('hello rig');
    expect(echo.connections).toBe(1);
    await echo.close();
    expect(await portOpen(echo.host, echo.port)).toBe(false);
  });

  it('source sends exactly the pattern, sink counts', async () => {
    const src = await startSourceServer(300_000, 64 * 1024);
    const got = await readAll(src.host, src.port);
    expect(got.length).toBe(300_000);
    expect(got.subarray(0, 65536).equals(patternChunk(65536))).toBe(true);
    await src.close();
    const sink = await startSinkServer();
    await new Promise<void>((resolve) => {
      const s = net.connect(sink.port, sink.host, () => s.end(Buffer.alloc(1000)));
      s.on('close', () => resolve());
    });
    await expect.poll(() => sink.received).toBe(1000);
    await sink.close();
  });
});

describe('sshd', () => {
  const stops: Array<() => Promise<void>> = [];
  afterAll(async () => {
    for (const s of stops) await s();
  });

  it('serves key and password users; restart changes the host key', async () => {
    const sshd = await startSshd();
    stops.push(() => sshd.stop());
    expect(sshd.hostKeyFingerprint()).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
    const ssh = (user: string, extra: string[]): string =>
      execFileSync(
        'ssh',
        [...opensshOptions(), '-p', String(sshd.port), ...extra, `${user}@${sshd.host}`, 'echo', 'rig-ok', '$(whoami)'],
        { encoding: 'utf8', timeout: 20000 },
      );
    expect(ssh(sshd.keyUser, ['-i', sshd.clientKeyPath]).trim()).toBe(`rig-ok ${sshd.keyUser}`);
    const before = sshd.hostKeyFingerprint();
    await sshd.restartWithNewHostKey();
    expect(sshd.hostKeyFingerprint()).not.toBe(before);
    expect(ssh(sshd.keyUser, ['-i', sshd.clientKeyPath]).trim()).toBe(`rig-ok ${sshd.keyUser}`);
    expect(sshd.log()).toMatch(/Accepted publickey for hostdeck-key/);
    await new Promise<void>((resolve, reject) => {
      const client = new Client();
      client.on('ready', () => {
        client.end();
        resolve();
      });
      client.on('error', reject);
      client.connect({
        host: sshd.host,
        port: sshd.port,
        username: sshd.passwordUser,
        password: sshd.password,
        hostVerifier: (key: Buffer) =>
          `SHA256:${createHash('sha256').update(key).digest('base64').replace(/=+$/, '')}` ===
          sshd.hostKeyFingerprint(),
      });
    });
    expect(sshd.log()).toMatch(/Accepted password for hostdeck-pw/);
    await sshd.stop();
    expect(await portOpen(sshd.host, sshd.port)).toBe(false);
  });

  it('listens on 127.0.0.2 only when asked', async () => {
    const sshd = await startSshd({ host: '127.0.0.2' });
    stops.push(() => sshd.stop());
    expect(await portOpen('127.0.0.2', sshd.port)).toBe(true);
    expect(await portOpen('127.0.0.1', sshd.port)).toBe(false);
  });
});

describe('Xvnc', () => {
  it('None and VncAuth servers announce their security types', async () => {
    const open = await startXvnc();
    const auth = await startXvnc({ securityTypes: 'VncAuth' });
    try {
      const types = async (port: number): Promise<number[]> => {
        const s = net.connect(port, '127.0.0.1');
        const data: Buffer[] = [];
        s.on('data', (d) => {
          data.push(d);
          if (Buffer.concat(data).length === 12) s.write('RFB 003.008\n');
        });
        await expect.poll(() => Buffer.concat(data).length >= 13).toBe(true);
        const all = Buffer.concat(data);
        s.destroy();
        const n = all[12] as number;
        return [...all.subarray(13, 13 + n)];
      };
      expect(await types(open.port)).toEqual([1]);
      expect(await types(auth.port)).toEqual([2]);
      open.setRootColor('#336699');
      expect(auth.password).toBe('hdvnc123');
    } finally {
      await open.stop();
      await auth.stop();
    }
    expect(await portOpen('127.0.0.1', open.port)).toBe(false);
  });
});

describe('chromium', () => {
  it('renders a page headless', async () => {
    const browser = await startChromium();
    try {
      const page = await browser.newPage();
      await page.setContent('<button aria-label="Rig check">ok</button>');
      expect(await page.getByRole('button', { name: 'Rig check' }).textContent()).toBe('ok');
    } finally {
      await browser.close();
    }
  });
});
