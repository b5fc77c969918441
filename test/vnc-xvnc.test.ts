// main's RFB handshake against real TigerVNC Xvnc: None, VNC Authentication
// (right and wrong password), and VeNCrypt with anonymous TLS (TLSVnc) and
// with a certificate (X509Vnc) trusted on first use, on plain Node (which has
// anonymous TLS; vnc-electron-runtime.test.ts covers Electron's BoringSSL).
// A recording relay shows what crossed the wire; the page's bytes show it got only the 3.8 None
// handshake and ServerInit, never the password or a challenge.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import net from 'node:net';
import type { HostdeckError } from '../shared/errors.js';
import type { VncCertificateInfo } from '../shared/vnc-protocol.js';
import {
  anonymousTlsAvailable,
  connectTcp,
  openAuthenticatedVnc,
  type AuthenticatedVnc,
  type OpenVncOptions,
} from '../main/vnc/index.js';
import type { Xvnc } from './support/xvnc.js';
import { makeTempDir } from './support/processes.js';
import { makeSelfSignedCert, x509Args, type SelfSignedCert } from './support/certs.js';
import { FakePage } from './fixtures/vnc/fake-page.js';
import { u32 } from './fixtures/vnc/fake-vnc-server.js';
import { oneByteAtATime } from './fixtures/vnc/one-byte-duplex.js';
import { startRecordingRelay, type RecordingRelay } from './fixtures/vnc/recording-relay.js';
import { VncRig } from './support/vnc-rig.js';

/** A saved host's certificate trust, as the store would keep it: TOFU by fingerprint. */
class CertificateTrust {
  stored: string | undefined;
  asked: VncCertificateInfo[] = [];
  constructor(private readonly personSays: boolean) {}

  readonly decide = async (info: VncCertificateInfo): Promise<boolean | 'changed'> => {
    if (this.stored !== undefined) return this.stored === info.fingerprint ? true : 'changed';
    this.asked.push(info);
    if (this.personSays) this.stored = info.fingerprint;
    return this.personSays;
  };
}

const rig = new VncRig(openAuthenticatedVnc);
let certA: SelfSignedCert;
let certB: SelfSignedCert;

beforeAll(() => {
  const dir = makeTempDir('vnc-certs');
  certA = makeSelfSignedCert(dir, 'hostdeck-vnc-a');
  certB = makeSelfSignedCert(dir, 'hostdeck-vnc-b');
});

afterEach(() => rig.closeEach());
afterAll(() => rig.stopServers());

const xvnc = rig.xvnc.bind(rig);
const relay = (x: Xvnc): Promise<RecordingRelay> => rig.closing(startRecordingRelay(x.host, x.port));

function options(port: number, extra: Partial<OpenVncOptions> = {}): OpenVncOptions & { asked: () => number } {
  let asked = 0;
  return {
    connect: () => connectTcp('127.0.0.1', port),
    password: async () => {
      asked++;
      return 'hdvnc123';
    },
    trustCertificate: async () => {
      throw new Error('no certificate expected');
    },
    timeouts: { stepMs: 20_000 },
    asked: () => asked,
    ...extra,
  };
}

const open = (o: OpenVncOptions): Promise<AuthenticatedVnc> => rig.open(o);

/**
 * The page side: noVNC's 3.8 handshake, then the bytes must be exactly the
 * None handshake and ServerInit. A FramebufferUpdateRequest then gets a
 * FramebufferUpdate (message type 0) from the real server.
 */
async function pageSees(result: AuthenticatedVnc, name: string): Promise<FakePage> {
  const page = new FakePage(result.stream);
  const init = await page.handshake38();
  expect(init).toEqual({ width: 1280, height: 800, name });
  const nameBytes = Buffer.from(name);
  const prefix = Buffer.concat([Buffer.from('RFB 003.008\n'), Buffer.from([1, 1]), u32(0)]);
  expect(page.bytes.subarray(0, prefix.length).equals(prefix)).toBe(true);
  expect(page.bytes.length).toBe(prefix.length + 24 + nameBytes.length);
  expect(page.bytes.subarray(-nameBytes.length).equals(nameBytes)).toBe(true);
  page.write([3, 0, 0, 0, 0, 0, 0, 16, 0, 16]);
  expect((await page.read(1))[0]).toBe(0);
  return page;
}

describe('Xvnc', () => {
  it('SecurityTypes None', async () => {
    const x = await xvnc('None');
    const o = options(x.port);
    const result = await open(o);
    expect(result).toMatchObject({
      security: 'none',
      encrypted: false,
      version: '3.8',
      desktopName: x.desktopName,
      width: 1280,
      height: 800,
    });
    expect(o.asked()).toBe(0);
    await pageSees(result, x.desktopName);
  });

  it('VncAuth with the right password: the page never sees the password or the challenge', async () => {
    const x = await xvnc('VncAuth');
    const wire = await relay(x);
    const o = options(wire.port);
    const result = await open(o);
    expect(result).toMatchObject({ security: 'vnc-auth', encrypted: false, desktopName: x.desktopName });
    expect(o.asked()).toBe(1);
    const page = await pageSees(result, x.desktopName);
    // The server did send a challenge (main answered it); none of it reached the page.
    const fromServer = wire.fromServer();
    const challenge = fromServer.subarray(14, 30);
    expect([...fromServer.subarray(12, 14)]).toEqual([1, 2]);
    expect(page.bytes.includes(challenge)).toBe(false);
    expect(page.bytes.includes(Buffer.from('hdvnc123'))).toBe(false);
  });

  it('VncAuth with a wrong password: VNC_AUTH_FAILED', async () => {
    const x = await xvnc('VncAuth');
    const err = (await openAuthenticatedVnc(options(x.port, { password: async () => 'wrong-pw' })).catch(
      (e: unknown) => e,
    )) as HostdeckError;
    expect(err.code).toBe('VNC_AUTH_FAILED');
    expect(err.details?.['step']).toBe('security-result');
  });

  it('TLSVnc (anonymous TLS): encrypted on the wire, no certificate asked', async () => {
    const x = await xvnc('TLSVnc');
    const wire = await relay(x);
    const result = await open(options(wire.port));
    expect(result).toMatchObject({ security: 'vencrypt-tls-vnc', encrypted: true, desktopName: x.desktopName });
    expect(result.tls?.protocol).toBe('TLSv1.2');
    expect(result.tls?.cipher).toMatch(/_anon_/);
    expect(result.tls?.certificate).toBeUndefined();
    await pageSees(result, x.desktopName);
    // The desktop name travelled inside ServerInit: on the wire it is ciphertext.
    expect(wire.fromServer().includes(Buffer.from(x.desktopName))).toBe(false);
    expect(wire.fromServer().length).toBeGreaterThan(100);
  });

  it("plain Node has anonymous TLS: TLSVnc,VncAuth (TigerVNC's default) still uses TLSVnc, encrypted", async () => {
    expect(anonymousTlsAvailable()).toBe(true);
    const x = await xvnc('TLSVnc,VncAuth');
    const wire = await relay(x);
    const result = await open(options(wire.port));
    expect(result).toMatchObject({ security: 'vencrypt-tls-vnc', encrypted: true, desktopName: x.desktopName });
    expect(result.anonymousTlsSkipped).toBeUndefined();
    expect(result.tls?.cipher).toMatch(/_anon_/);
    await pageSees(result, x.desktopName);
    expect(wire.fromServer().includes(Buffer.from(x.desktopName))).toBe(false);
  });

  it('"Require encryption": anonymous TLS satisfies it; VncAuth alone is refused before the password', async () => {
    const tlsVnc = await xvnc('TLSVnc,VncAuth');
    const ok = await open(options(tlsVnc.port, { requireEncryption: true }));
    expect(ok).toMatchObject({ security: 'vencrypt-tls-vnc', encrypted: true });

    const plain = await xvnc('VncAuth');
    const o = options(plain.port, { requireEncryption: true });
    const err = (await openAuthenticatedVnc(o).catch((e: unknown) => e)) as HostdeckError;
    expect(err.code).toBe('VNC_ENCRYPTION_UNAVAILABLE');
    expect(err.details).toMatchObject({ offered: 'VncAuth' });
    expect(err.details?.['anonymousTls']).toBeUndefined();
    expect(err.message).toContain('(it offered: VncAuth)');
    expect(o.asked()).toBe(0);
  });

  it('TLSVnc over a stream that is not a socket (as an SSH channel), one byte at a time', async () => {
    const x = await xvnc('TLSVnc');
    const result = await open(options(x.port, { connect: async () => oneByteAtATime(net.connect(x.port, x.host)) }));
    expect(result).toMatchObject({ security: 'vencrypt-tls-vnc', encrypted: true });
    await pageSees(result, x.desktopName);
  });

  it('X509Vnc: the certificate is asked about once, then recognised; a changed one is refused', async () => {
    const x = await xvnc('X509Vnc', x509Args(certA));
    const wire = await relay(x);
    const trust = new CertificateTrust(true);
    const first = await open(options(wire.port, { trustCertificate: trust.decide }));
    expect(first).toMatchObject({ security: 'vencrypt-x509-vnc', encrypted: true, desktopName: x.desktopName });
    expect(trust.asked).toHaveLength(1);
    expect(trust.asked[0]).toMatchObject({
      fingerprint: certA.fingerprint,
      subject: 'CN=hostdeck-vnc-a',
      caVerified: false,
    });
    expect(first.tls?.certificate?.fingerprint).toBe(certA.fingerprint);
    await pageSees(first, x.desktopName);
    expect(wire.fromServer().includes(Buffer.from(x.desktopName))).toBe(false);

    const again = await open(options(x.port, { trustCertificate: trust.decide }));
    expect(again.security).toBe('vencrypt-x509-vnc');
    expect(trust.asked).toHaveLength(1);

    // The same saved host now answers with another certificate.
    const impostor = await xvnc('X509Vnc', x509Args(certB));
    const o = options(impostor.port, { trustCertificate: trust.decide });
    const err = (await openAuthenticatedVnc(o).catch((e: unknown) => e)) as HostdeckError;
    expect(err.code).toBe('VNC_CERT_CHANGED');
    expect(err.details).toEqual({ fingerprint: certB.fingerprint });
    expect(o.asked()).toBe(0);
  });

  it('X509Vnc: a certificate the person does not trust: VNC_CERT_REJECTED, no password sent', async () => {
    const x = await xvnc('X509Vnc', x509Args(certB));
    const trust = new CertificateTrust(false);
    const o = options(x.port, { trustCertificate: trust.decide });
    const err = (await openAuthenticatedVnc(o).catch((e: unknown) => e)) as HostdeckError;
    expect(err.code).toBe('VNC_CERT_REJECTED');
    expect(trust.asked.map((i) => i.fingerprint)).toEqual([certB.fingerprint]);
    expect(o.asked()).toBe(0);
  });

  it('leaves no socket or timer behind', async () => {
    const x = await xvnc('TLSVnc');
    const live = (): string[] =>
      process
        .getActiveResourcesInfo()
        .filter((r) => r === 'TCPSocketWrap' || r === 'TLSWrap' || r === 'Timeout')
        .sort();
    // Sockets of earlier tests finish closing first; then none may be ours.
    await expect.poll(() => live().filter((r) => r !== 'Timeout')).toEqual([]);
    const baseline = live();
    const ok = await openAuthenticatedVnc(options(x.port));
    await pageSees(ok, x.desktopName);
    ok.stream.destroy();
    await expect.poll(live).toEqual(baseline);
    const wrong = await openAuthenticatedVnc(options(x.port, { password: async () => 'nope' })).catch(
      (e: unknown) => e,
    );
    expect((wrong as HostdeckError).code).toBe('VNC_AUTH_FAILED');
    await expect.poll(live).toEqual(baseline);
  });
});
