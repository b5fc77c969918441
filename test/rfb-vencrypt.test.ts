// VeNCrypt (RFB security type 19, version 0.2) against hand-written servers
// that speak real TLS through Node: the Plain subtypes (user name and
// password, which TigerVNC checks through PAM, so the real-Xvnc tests cover
// the Vnc subtypes instead), subtype choice, refusals, TLS failures and the
// certificate step's time limit.
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import net from 'node:net';
import { readFileSync } from 'node:fs';
import { HostdeckError } from '../shared/errors.js';
import type { VncCertificateInfo } from '../shared/vnc-protocol.js';
import { openAuthenticatedVnc, type OpenVncOptions } from '../main/vnc/vnc-connector.js';
import { makeTempDir } from './support/processes.js';
import { makeSelfSignedCert } from './support/certs.js';
import { FakePage } from './fixtures/vnc/fake-page.js';
import {
  serverInit,
  startFakeVncServer,
  u32,
  type FakeVncPeer,
  type FakeVncServer,
} from './fixtures/vnc/fake-vnc-server.js';
import { oneByteAtATime } from './fixtures/vnc/one-byte-duplex.js';
import { VncRig } from './support/vnc-rig.js';

const ANON_SERVER = { ciphers: 'aNULL:@SECLEVEL=0', maxVersion: 'TLSv1.2' } as const;
let x509Server: { key: Buffer; cert: Buffer };
let fingerprint: string;

beforeAll(() => {
  const made = makeSelfSignedCert(makeTempDir('vencrypt'), 'fake-vencrypt', { keyType: 'ec' });
  x509Server = { key: readFileSync(made.key), cert: readFileSync(made.cert) };
  fingerprint = made.fingerprint;
});

const rig = new VncRig(openAuthenticatedVnc);
afterEach(() => rig.closeEach());

interface Seen {
  subtype?: number;
  username?: string;
  password?: string;
}

/** Up to the subtype choice; returns the subtype main chose. */
async function negotiate(p: FakeVncPeer, subtypes: number[]): Promise<number> {
  await p.send('RFB 003.008\n');
  await p.read(12);
  await p.send([1, 19]);
  expect((await p.read(1))[0]).toBe(19);
  await p.send([0, 2]);
  expect([...(await p.read(2))]).toEqual([0, 2]);
  await p.send([0, subtypes.length], ...subtypes.map(u32));
  return (await p.read(4)).readUInt32BE(0);
}

/** A VeNCrypt server doing the Plain subtypes (and TLSVnc-less None) over TLS. */
function plainServer(subtypes: number[], seen: Seen) {
  return async (p: FakeVncPeer): Promise<void> => {
    seen.subtype = await negotiate(p, subtypes);
    await p.send([1]);
    const s = await p.startTls(seen.subtype >= 260 ? x509Server : ANON_SERVER);
    if (seen.subtype === 259 || seen.subtype === 262) {
      const lengths = await s.read(8);
      seen.username = (await s.read(lengths.readUInt32BE(0))).toString();
      seen.password = (await s.read(lengths.readUInt32BE(4))).toString();
    }
    await s.send(u32(0));
    await s.read(1);
    await s.send(serverInit(640, 480, 'over tls'));
    await s.closed;
  };
}

const fake = (script: (p: FakeVncPeer, index: number) => Promise<void>): Promise<FakeVncServer> =>
  rig.closing(startFakeVncServer(script));

function options(server: FakeVncServer, extra: Partial<OpenVncOptions> = {}): OpenVncOptions {
  return {
    connect: async () => oneByteAtATime(net.connect(server.port, '127.0.0.1')),
    password: async () => 'plain-secret',
    trustCertificate: async () => true,
    timeouts: { stepMs: 10_000 },
    ...extra,
  };
}

function failure(server: FakeVncServer, extra: Partial<OpenVncOptions> = {}): Promise<HostdeckError> {
  return rig.failure(options(server, extra));
}

describe('VeNCrypt', () => {
  it('X509Plain: certificate trusted by fingerprint, then user name and password inside TLS', async () => {
    const seen: Seen = {};
    const server = await fake(plainServer([259, 262], seen));
    const asked: VncCertificateInfo[] = [];
    const result = await openAuthenticatedVnc(
      options(server, { username: 'ana', trustCertificate: async (info) => (asked.push(info), true) }),
    );
    expect(result).toMatchObject({
      security: 'vencrypt-x509-plain',
      encrypted: true,
      desktopName: 'over tls',
      width: 640,
      height: 480,
    });
    expect(seen).toEqual({ subtype: 262, username: 'ana', password: 'plain-secret' });
    expect(asked.map((i) => [i.fingerprint, i.subject])).toEqual([[fingerprint, 'CN=fake-vencrypt']]);
    const page = new FakePage(result.stream);
    expect((await page.handshake38()).name).toBe('over tls');
    result.stream.destroy();
  });

  it('TLSPlain with a user name; without one main takes the next subtype it can do', async () => {
    const seen: Seen = {};
    const withUser = await fake(plainServer([259, 257], seen));
    const a = await openAuthenticatedVnc(options(withUser, { username: 'bo' }));
    expect(a).toMatchObject({ security: 'vencrypt-tls-plain', encrypted: true });
    expect(a.tls?.cipher).toMatch(/_anon_/);
    expect(seen).toMatchObject({ username: 'bo', password: 'plain-secret' });
    a.stream.destroy();

    const seen2: Seen = {};
    const noUser = await fake(plainServer([259, 257], seen2));
    let asked = 0;
    const b = await openAuthenticatedVnc(options(noUser, { password: async () => (asked++, 'x') }));
    expect(b).toMatchObject({ security: 'vencrypt-tls-none', encrypted: true });
    expect(seen2.subtype).toBe(257);
    expect(asked).toBe(0);
    b.stream.destroy();
  });

  it('a subtype the server then refuses: VNC_SERVER_REFUSED', async () => {
    const server = await fake(async (p) => {
      await negotiate(p, [258]);
      await p.send([0]);
      await p.closed;
    });
    const err = await failure(server);
    expect(err.code).toBe('VNC_SERVER_REFUSED');
    expect(err.details).toMatchObject({ step: 'vencrypt', subtype: 258 });
  });

  it('anonymous TLS asked of a server that only has certificate suites: VNC_TLS_FAILED', async () => {
    const server = await fake(async (p) => {
      await negotiate(p, [258]);
      await p.send([1]);
      await p
        .startTls({
          ...x509Server,
          ciphers: 'ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES128-GCM-SHA256',
          maxVersion: 'TLSv1.2',
        })
        .catch(() => undefined);
      await p.closed;
    });
    const err = await failure(server);
    expect(err.code).toBe('VNC_TLS_FAILED');
  });

  it('VeNCrypt 0.1 only: main reconnects and uses another type', async () => {
    const server = await fake(async (p, index) => {
      await p.send('RFB 003.008\n');
      await p.read(12);
      await p.send([2, 19, 1]);
      const choice = (await p.read(1))[0];
      if (index === 0) {
        expect(choice).toBe(19);
        await p.send([0, 1]);
        await p.closed;
        return;
      }
      expect(choice).toBe(1);
      await p.send(u32(0));
      await p.read(1);
      await p.send(serverInit(10, 10, 'fallback'));
      await p.closed;
    });
    const result = await openAuthenticatedVnc(options(server));
    expect(result).toMatchObject({ security: 'none', encrypted: false, desktopName: 'fallback' });
    expect(server.connections).toBe(2);
    result.stream.destroy();
  });

  it('a certificate nobody decides on: VNC_TIMEOUT after the person step limit', async () => {
    const server = await fake(plainServer([261], {}));
    const err = await failure(server, {
      trustCertificate: () => new Promise(() => undefined),
      timeouts: { stepMs: 10_000, personMs: 200 },
    });
    expect(err.code).toBe('VNC_TIMEOUT');
    expect(err.details).toEqual({ step: 'certificate' });
  });

  it("the caller's own error from trustCertificate is what the open fails with", async () => {
    const server = await fake(plainServer([260], {}));
    const own = new HostdeckError('STORE_LOCKED', 'The address book is locked.');
    const err = await failure(server, {
      trustCertificate: async () => {
        throw own;
      },
    });
    expect(err).toBe(own);
  });
});
