// The same checks as ssh-electron-runtime.test.ts on plain Node (serve mode's
// runtime, OpenSSL): here ChaCha20 and ssh2's native binding are available,
// and the offer, found by detection, includes what the Electron model drops.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import crypto from 'node:crypto';
import { createRequire } from 'node:module';
import { startSshd, type Sshd } from './support/sshd.js';
import { connectFailure, keyUserOptions, trustFiles } from './fixtures/ssh/harness.js';
import { REFUSED_BY_POLICY, sshOffer } from '../main/ssh/algorithms.js';
import { SshConnection } from '../main/ssh/connection.js';

const loadCommonJs = createRequire(import.meta.url);
const nodeHasChaCha = crypto.getCiphers().includes('chacha20-poly1305');
let chachaOnly: Sshd;

beforeAll(async () => {
  chachaOnly = await startSshd({ extraConfig: ['Ciphers chacha20-poly1305@openssh.com'] });
});
afterAll(async () => {
  await chachaOnly?.stop();
});

describe('on plain Node', () => {
  it('the offer follows what this runtime supports, and nothing weak', () => {
    const offer = sshOffer();
    const binding = (loadCommonJs('ssh2/lib/protocol/crypto.js') as { bindingAvailable: boolean }).bindingAvailable;
    expect(offer.nativeCrypto).toBe(binding);
    if (nodeHasChaCha) {
      expect(offer.cipher).toContain('chacha20-poly1305@openssh.com');
      expect(offer.unavailable).toEqual([]);
    }
    // With the binding AES-GCM is the fastest (npm run bench -- ssh --runtime=electron).
    if (binding) expect(offer.cipher[0]).toBe('aes128-gcm@openssh.com');
    const all = [...offer.kex, ...offer.serverHostKey, ...offer.cipher, ...offer.hmac];
    expect(all.filter((a) => REFUSED_BY_POLICY.test(a))).toEqual([]);
  });

  it.runIf(nodeHasChaCha)('a server that allows only chacha20-poly1305 is reached', async () => {
    const conn = await SshConnection.connect(keyUserOptions(chachaOnly, trustFiles([chachaOnly])));
    try {
      const ch = await conn.exec('echo chacha-ok');
      let out = '';
      ch.on('data', (d: Buffer) => (out += d.toString()));
      await new Promise((r) => ch.once('close', r));
      expect(out.trim()).toBe('chacha-ok');
    } finally {
      conn.close();
    }
  });

  it('a server that allows only a cipher Hostdeck refuses is SSH_NO_COMMON_ALGORITHM saying why', async () => {
    const cbcOnly = await startSshd({ extraConfig: ['Ciphers aes128-cbc,aes256-cbc'] });
    try {
      const err = await connectFailure(SshConnection.connect(keyUserOptions(cbcOnly, trustFiles([cbcOnly]))));
      expect(err.code).toBe('SSH_NO_COMMON_ALGORITHM');
      expect(err.message).toContain('allows only these ciphers: aes128-cbc, aes256-cbc.');
      expect(err.message).toContain('Hostdeck never uses aes128-cbc, aes256-cbc');
      expect(err.message).not.toMatch(/cannot do/);
    } finally {
      await cbcOnly.stop();
    }
  });
});
