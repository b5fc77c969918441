// DES and VNC Authentication's key quirk, held to sources that share no code
// with ours: the FIPS worked example, OpenSSL (the library through Node's
// 3DES with K1=K2=K3, and the CLI's legacy provider), and TigerVNC's
// vncpasswd, whose obfuscation is DES through VNC's own d3des.c.
import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { desEncryptBlock } from '../main/vnc/des.js';
import { vncAuthKey, vncAuthResponse } from '../main/vnc/vnc-auth.js';
import { mirrorByte as reverseBitsIndependently, opensslDes } from './fixtures/vnc/independent-vnc-auth.js';

describe('DES', () => {
  it('matches the FIPS 46 worked example and classic vectors', () => {
    const cases: Array<[string, string, string]> = [
      ['133457799bbcdff1', '0123456789abcdef', '85e813540f0ab405'],
      // NBS/FIPS 81 validation vector and the "all zero" / weak key cases.
      ['0123456789abcdef', '4e6f772069732074', '3fa40e8a984d4815'],
      ['0000000000000000', '0000000000000000', '8ca64de9c1b123a7'],
      ['ffffffffffffffff', 'ffffffffffffffff', '7359b2163e4edc58'],
      ['0101010101010101', '0123456789abcdef', '617b3a0ce8f07100'],
    ];
    for (const [key, plain, cipher] of cases) {
      expect(desEncryptBlock(Buffer.from(key, 'hex'), Buffer.from(plain, 'hex')).toString('hex')).toBe(cipher);
    }
  });

  it('agrees with OpenSSL on 500 random keys and blocks', () => {
    for (let i = 0; i < 500; i++) {
      const key = randomBytes(8);
      const block = randomBytes(8);
      expect(desEncryptBlock(key, block).equals(opensslDes(key, block))).toBe(true);
    }
  });

  it('agrees with the openssl CLI (legacy provider des-ecb)', () => {
    const key = randomBytes(8);
    const block = randomBytes(8);
    const out = execFileSync(
      'openssl',
      ['enc', '-des-ecb', '-provider', 'legacy', '-provider', 'default', '-nopad', '-K', key.toString('hex')],
      { input: block },
    );
    expect(desEncryptBlock(key, block).toString('hex')).toBe(out.toString('hex'));
  });

  it('rejects wrong sizes', () => {
    expect(() => desEncryptBlock(Buffer.alloc(7), Buffer.alloc(8))).toThrow(RangeError);
    expect(() => desEncryptBlock(Buffer.alloc(8), Buffer.alloc(9))).toThrow(RangeError);
  });
});

describe('VNC Authentication', () => {
  it('reverses the bits of each key byte, keeps 8 bytes, pads with zeros', () => {
    expect([...vncAuthKey('a')]).toEqual([reverseBitsIndependently(0x61), 0, 0, 0, 0, 0, 0, 0]);
    expect(vncAuthKey('abcdefghXYZ').equals(vncAuthKey('abcdefgh'))).toBe(true);
    expect([...vncAuthKey('\u00e9')]).toEqual([
      reverseBitsIndependently(0xc3),
      reverseBitsIndependently(0xa9),
      0,
      0,
      0,
      0,
      0,
      0,
    ]);
  });

  it('answers a challenge as OpenSSL DES with the mirrored key does', () => {
    const challenge = randomBytes(16);
    const key = Buffer.from([...Buffer.from('s3cret!!')].map(reverseBitsIndependently));
    const expected = Buffer.concat([opensslDes(key, challenge.subarray(0, 8)), opensslDes(key, challenge.subarray(8))]);
    expect(vncAuthResponse('s3cret!!', challenge).equals(expected)).toBe(true);
    expect(vncAuthResponse('s3cret!!-ignored', challenge).equals(expected)).toBe(true);
  });

  it("reproduces TigerVNC vncpasswd's output (DES through VNC's d3des with its fixed key)", () => {
    // vncpasswd stores DES_k(password) with k = {23,82,107,6,35,78,88,7}
    // keyed through d3des.c, the same mirrored-key DES VNC Authentication uses.
    const fixedKey = String.fromCharCode(23, 82, 107, 6, 35, 78, 88, 7);
    for (const password of ['hdvnc123', 'pw', '12345678']) {
      const stored = execFileSync('vncpasswd', ['-f'], { input: `${password}\n` });
      const block = Buffer.alloc(16);
      Buffer.from(password).copy(block);
      expect(vncAuthResponse(fixedKey, block).subarray(0, 8).toString('hex')).toBe(
        stored.subarray(0, 8).toString('hex'),
      );
    }
  });

  it('refuses a challenge that is not 16 bytes', () => {
    expect(() => vncAuthResponse('x', Buffer.alloc(15))).toThrow(RangeError);
  });
});
