// SSH as the desktop app runs it: Electron's main process (BoringSSL, no
// ChaCha20, ssh2's OpenSSL-built sshcrypto.node refused), modelled on this
// Node process by test/support/electron-runtime.ts. The model goes on before
// anything loads ssh2 (ssh2 fixes its supported lists at load), so this file
// imports every ssh2-using module dynamically, after applyElectronRuntimeModel().
// With a fixed offer that names chacha20-poly1305@openssh.com (the code before
// the explicit list named chacha20), 'logs in to real sshd and runs a command' fails: ssh2 throws
// "Unsupported algorithm" and no connection is ever made.
import { applyElectronRuntimeModel } from './support/electron-runtime.js';
applyElectronRuntimeModel();

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRequire } from 'node:module';
import { startSshd, type Sshd } from './support/sshd.js';

type Harness = typeof import('./fixtures/ssh/harness.js');
type Algorithms = typeof import('../main/ssh/algorithms.js');
type Connection = typeof import('../main/ssh/connection.js');

const loadCommonJs = createRequire(import.meta.url);
let harness: Harness;
let algorithms: Algorithms;
let connection: Connection;
let sshd: Sshd;

beforeAll(async () => {
  harness = await import('./fixtures/ssh/harness.js');
  algorithms = await import('../main/ssh/algorithms.js');
  connection = await import('../main/ssh/connection.js');
  sshd = await startSshd();
});
afterAll(async () => {
  await sshd?.stop();
});

describe('under the Electron runtime model', () => {
  it('ssh2 runs without its native binding and without ChaCha20', () => {
    expect((loadCommonJs('ssh2/lib/protocol/crypto.js') as { bindingAvailable: boolean }).bindingAvailable).toBe(false);
    expect(
      (loadCommonJs('ssh2/lib/protocol/constants.js') as { SUPPORTED_CIPHER: string[] }).SUPPORTED_CIPHER,
    ).not.toContain('chacha20-poly1305@openssh.com');
  });

  it('the offer has no ChaCha20 and keeps AEAD and CTR ciphers, and nothing weak', () => {
    const offer = algorithms.sshOffer();
    expect(offer.nativeCrypto).toBe(false);
    expect(offer.cipher).not.toContain('chacha20-poly1305@openssh.com');
    expect(offer.unavailable).toContain('chacha20-poly1305@openssh.com');
    expect(offer.cipher).toEqual(
      expect.arrayContaining(['aes128-gcm@openssh.com', 'aes256-gcm@openssh.com', 'aes128-ctr', 'aes256-ctr']),
    );
    const all = [...offer.kex, ...offer.serverHostKey, ...offer.cipher, ...offer.hmac];
    expect(all.filter((a) => algorithms.REFUSED_BY_POLICY.test(a))).toEqual([]);
    expect(offer.hmac.every((m) => m.includes('sha2'))).toBe(true);
  });

  it('logs in to real sshd and runs a command, with strict KEX', async () => {
    const t = harness.trustFiles([sshd]);
    let strict = false;
    let negotiated: { cs?: { cipher?: string; mac?: string } } = {};
    const conn = await connection.SshConnection.connect(
      harness.keyUserOptions(sshd, t, {
        readyTimeout: 10_000,
        onHandshake: (n, s) => {
          strict = s;
          negotiated = n as typeof negotiated;
        },
      }),
    );
    try {
      const ch = await conn.exec('echo electron-model-$((6*7))');
      let out = '';
      ch.on('data', (d: Buffer) => (out += d.toString()));
      await new Promise((r) => ch.once('close', r));
      expect(out.trim()).toBe('electron-model-42');
      expect(strict).toBe(true);
      expect(algorithms.sshOffer().cipher[0]).toBe(negotiated.cs?.cipher);
    } finally {
      conn.close();
    }
  });

  it('a server that allows only chacha20-poly1305 is SSH_NO_COMMON_ALGORITHM naming the cipher and what to allow', async () => {
    const chachaOnly = await startSshd({ extraConfig: ['Ciphers chacha20-poly1305@openssh.com'] });
    try {
      const t = harness.trustFiles([chachaOnly]);
      const err = await harness.connectFailure(
        connection.SshConnection.connect(harness.keyUserOptions(chachaOnly, t, { readyTimeout: 10_000 })),
      );
      expect(err.code).toBe('SSH_NO_COMMON_ALGORITHM');
      expect(err.message).toContain(`allows only these ciphers: chacha20-poly1305@openssh.com.`);
      expect(err.message).toMatch(/cannot do chacha20-poly1305@openssh\.com/);
      expect(err.message).toContain('aes128-gcm@openssh.com');
      expect(err.message).toContain('Ciphers');
      expect(err.details).toMatchObject({
        kind: 'cipher',
        configKeyword: 'Ciphers',
        serverOffers: ['chacha20-poly1305@openssh.com'],
        unusableHere: ['chacha20-poly1305@openssh.com'],
      });
      // What the page receives over the API: the same code and sentence.
      const { toApiError } = await import('../shared/errors.js');
      expect(toApiError(err)).toMatchObject({ code: 'SSH_NO_COMMON_ALGORITHM', message: err.message });
    } finally {
      await chachaOnly.stop();
    }
  });
});
