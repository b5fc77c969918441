// main's VNC login as Electron's main process does it: BoringSSL has no
// anonymous TLS suites, so VeNCrypt's TLSNone/TLSVnc/TLSPlain cannot be
// negotiated (see test/support/electron-runtime.ts). The model is applied before main/vnc is imported,
// and this file runs in its own process (vitest pool 'forks'), so nothing
// else sees the patched tls module. Against real TigerVNC Xvnc: TigerVNC's
// default offer (TLSVnc,VncAuth) falls back to VncAuth and says the wire is
// not encrypted; X509Vnc is encrypted; TLSVnc alone and "Require encryption"
// fail with codes that name the problem, before any password is sent.
import { applyElectronRuntimeModel, electronRuntimeModelled } from './support/electron-runtime.js';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import tls from 'node:tls';
import type { HostdeckError } from '../shared/errors.js';
import type { VncCertificateInfo } from '../shared/vnc-protocol.js';
import { VNC_PASSWORD, type Xvnc } from './support/xvnc.js';
import { makeTempDir } from './support/processes.js';
import { makeSelfSignedCert, x509Args, type SelfSignedCert } from './support/certs.js';
import { FakePage } from './fixtures/vnc/fake-page.js';
import { startRecordingRelay, type RecordingRelay } from './fixtures/vnc/recording-relay.js';
import { VncRig } from './support/vnc-rig.js';

applyElectronRuntimeModel();

type VncModule = typeof import('../main/vnc/index.js');
type OpenVncOptions = import('../main/vnc/index.js').OpenVncOptions;
type AuthenticatedVnc = import('../main/vnc/index.js').AuthenticatedVnc;

let vnc: VncModule;
let cert: SelfSignedCert;
// main/vnc is loaded in beforeAll: the rig reaches it only when a test opens.
const rig = new VncRig((o) => vnc.openAuthenticatedVnc(o));

beforeAll(async () => {
  // Imported only now: main/vnc must meet the modelled tls module.
  vnc = await import('../main/vnc/index.js');
  cert = makeSelfSignedCert(makeTempDir('vnc-electron-certs'), 'hostdeck-electron');
});

afterEach(() => rig.closeEach());
afterAll(() => rig.stopServers());

const xvnc = (securityTypes: string, extraArgs: string[] = []): ReturnType<VncRig['xvnc']> =>
  rig.xvnc(securityTypes, extraArgs);
const relay = (x: Xvnc): Promise<RecordingRelay> => rig.closing(startRecordingRelay(x.host, x.port));

function options(
  port: number,
  extra: Partial<OpenVncOptions> = {},
): OpenVncOptions & { asked: () => number; certificates: VncCertificateInfo[] } {
  let asked = 0;
  const certificates: VncCertificateInfo[] = [];
  return {
    connect: () => vnc.connectTcp('127.0.0.1', port),
    password: async () => {
      asked++;
      return VNC_PASSWORD;
    },
    // First use: the person trusts the certificate (as the prompt would).
    trustCertificate: async (info) => {
      certificates.push(info);
      return true;
    },
    timeouts: { stepMs: 20_000 },
    asked: () => asked,
    certificates,
    ...extra,
  };
}

const open = (o: OpenVncOptions): Promise<AuthenticatedVnc> => rig.open(o);
const failure = (o: OpenVncOptions): Promise<HostdeckError> => rig.failure(o);

/** The page gets the no-auth 3.8 handshake and the real ServerInit, then a real update. */
async function pageSees(result: AuthenticatedVnc, name: string): Promise<void> {
  const page = new FakePage(result.stream);
  expect(await page.handshake38()).toEqual({ width: 1280, height: 800, name });
  page.write([3, 0, 0, 0, 0, 0, 0, 16, 0, 16]);
  expect((await page.read(1))[0]).toBe(0);
}

describe('VNC in the Electron runtime model (no anonymous TLS)', () => {
  it('detects that anonymous TLS is unavailable, from the TLS library itself', () => {
    expect(electronRuntimeModelled()).toBe(true);
    // The model really is in force for the tls module main uses.
    expect(() => tls.createSecureContext({ ciphers: 'aNULL:@SECLEVEL=0' })).toThrow(/INVALID_COMMAND/);
    expect(vnc.anonymousTlsAvailable()).toBe(false);
    expect(vnc.vncTlsCapabilities()).toEqual({ anonymousTls: false });
  });

  it("TigerVNC's default offer TLSVnc,VncAuth: logs in with VncAuth and says the wire is not encrypted", async () => {
    const x = await xvnc('TLSVnc,VncAuth');
    const wire = await relay(x);
    const o = options(wire.port);
    const result = await open(o);
    expect(result).toMatchObject({
      security: 'vnc-auth',
      encrypted: false,
      anonymousTlsSkipped: ['TLSVnc'],
      desktopName: x.desktopName,
    });
    expect(result.tls).toBeUndefined();
    expect(o.asked()).toBe(1);
    expect(o.certificates).toHaveLength(0);
    await pageSees(result, x.desktopName);
    // Honestly unencrypted: the desktop name crossed the wire in the clear.
    expect(wire.fromServer().includes(Buffer.from(x.desktopName))).toBe(true);
  });

  it('X509Vnc: encrypted, with the certificate trust step', async () => {
    const x = await xvnc('X509Vnc', x509Args(cert));
    const wire = await relay(x);
    const o = options(wire.port);
    const result = await open(o);
    expect(result).toMatchObject({ security: 'vencrypt-x509-vnc', encrypted: true, desktopName: x.desktopName });
    expect(result.anonymousTlsSkipped).toBeUndefined();
    expect(result.tls?.certificate?.fingerprint).toBe(cert.fingerprint);
    expect(result.tls?.cipher).not.toMatch(/_anon_/);
    expect(o.certificates.map((c) => c.fingerprint)).toEqual([cert.fingerprint]);
    expect(o.asked()).toBe(1);
    await pageSees(result, x.desktopName);
    expect(wire.fromServer().includes(Buffer.from(x.desktopName))).toBe(false);
  });

  it('X509Vnc offered beside TLSVnc and VncAuth: X509Vnc is chosen', async () => {
    const x = await xvnc('TLSVnc,X509Vnc,VncAuth', x509Args(cert));
    const result = await open(options(x.port));
    expect(result).toMatchObject({ security: 'vencrypt-x509-vnc', encrypted: true });
    await pageSees(result, x.desktopName);
  });

  it('TLSVnc alone: VNC_ANONYMOUS_TLS_UNAVAILABLE naming the problem, no password sent', async () => {
    const x = await xvnc('TLSVnc');
    const o = options(x.port);
    const err = await failure(o);
    expect(err.code).toBe('VNC_ANONYMOUS_TLS_UNAVAILABLE');
    expect(err.details).toMatchObject({ offered: 'VeNCrypt (TLSVnc)', anonymousTls: ['TLSVnc'] });
    expect(err.message).toMatch(/only anonymous TLS \(VeNCrypt TLSVnc\)/);
    expect(err.message).toMatch(/X509Vnc/);
    expect(o.asked()).toBe(0);
  });

  it('"Require encryption" with TLSVnc,VncAuth: refused with VNC_ENCRYPTION_UNAVAILABLE before any password', async () => {
    const x = await xvnc('TLSVnc,VncAuth');
    const wire = await relay(x);
    const o = options(wire.port, { requireEncryption: true });
    const err = await failure(o);
    expect(err.code).toBe('VNC_ENCRYPTION_UNAVAILABLE');
    expect(err.details).toMatchObject({ offered: 'VeNCrypt (TLSVnc, VncAuth), VncAuth', anonymousTls: ['TLSVnc'] });
    expect(err.message).toContain('it offered: VeNCrypt (TLSVnc, VncAuth), VncAuth');
    expect(err.message).toMatch(/X509/);
    expect(err.message).toMatch(/SSH host/);
    expect(o.asked()).toBe(0);
    // Main sent its version, the VeNCrypt choice, version and the subtype
    // list read; then it closed: never a VncAuth response (16 bytes) or ClientInit.
    expect(wire.toServer().length).toBeLessThanOrEqual(12 + 1 + 2);
  });

  it('a TLS library that refuses the options is VNC_TLS_FAILED, not a crash (detection overridden)', async () => {
    const x = await xvnc('TLSVnc');
    const o = options(x.port, { anonymousTls: true });
    const err = await failure(o);
    expect(err.code).toBe('VNC_TLS_FAILED');
    expect(err.details).toMatchObject({ step: 'tls', error: 'ERR_SSL_INVALID_COMMAND' });
    expect(o.asked()).toBe(0);
  });

  it('"Require encryption" with X509Vnc: satisfied, encrypted', async () => {
    const x = await xvnc('X509Vnc,VncAuth', x509Args(cert));
    const result = await open(options(x.port, { requireEncryption: true }));
    expect(result).toMatchObject({ security: 'vencrypt-x509-vnc', encrypted: true });
  });
});
