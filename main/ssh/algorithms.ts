// The algorithms Hostdeck offers (docs/SECURITY.md, "SSH" 5): no SHA-1
// ssh-rsa signatures, no CBC ciphers (CVE-2008-5161), no DSS, no SHA-1 MACs
// or key exchange. Strict KEX (kex-strict-c-v00@openssh.com, the Terrapin fix,
// CVE-2023-48795) is appended by ssh2 itself to any custom offer (ssh2
// lib/protocol/Protocol.js), and test/ssh-auth.test.ts checks that it is
// negotiated.
//
// The offer is Hostdeck's preference order intersected with what ssh2 says it
// supports in THIS process, never a fixed list: Electron's main process links
// BoringSSL, which has no ChaCha20, so ssh2 there drops
// chacha20-poly1305@openssh.com from its supported list and rejects an
// explicit offer of it ("Unsupported algorithm"), which failed every desktop
// connection (test/support/electron-runtime.ts, test/ssh-electron-runtime.test.ts).
import type {
  Algorithms,
  CipherAlgorithm,
  CompressionAlgorithm,
  KexAlgorithm,
  MacAlgorithm,
  ServerHostKeyAlgorithm,
} from 'ssh2';
import { loadCommonJs } from '../load-commonjs.js';

const KEX: readonly KexAlgorithm[] = [
  'curve25519-sha256',
  'curve25519-sha256@libssh.org',
  'ecdh-sha2-nistp256',
  'ecdh-sha2-nistp384',
  'ecdh-sha2-nistp521',
  'diffie-hellman-group-exchange-sha256',
  'diffie-hellman-group16-sha512',
  'diffie-hellman-group18-sha512',
  'diffie-hellman-group14-sha256',
];
const SERVER_HOST_KEY: readonly ServerHostKeyAlgorithm[] = [
  'ssh-ed25519',
  'ecdsa-sha2-nistp256',
  'ecdsa-sha2-nistp384',
  'ecdsa-sha2-nistp521',
  'rsa-sha2-512',
  'rsa-sha2-256',
];
// Cipher order, chosen by measurement (`npm run bench -- ssh --runtime=electron`,
// 2 shared cores with AES-NI and SHA-NI, 500 MB exec to /dev/null; the
// electron_bulk:* and electron_cpu:* rows). Wall-clock MB/s on that shared
// machine swung ±40% with other load, so the deciding figure was MB per
// CPU-second of the client process:
// - Without ssh2's native binding (the desktop app: it cannot load under
//   Electron, see test/support/electron-runtime.ts) AES-GCM still comes first: ssh2 makes a new
//   Node Decipher per GCM packet (lib/protocol/crypto.js AESGCMDecipherNative),
//   but one OpenSSL GCM pass per 32 KiB packet is cheaper than CTR plus a
//   separate HMAC-SHA-256 pass. Medians of 3 interleaved rounds, one run:
//   aes128-gcm 394 and aes256-gcm 392 MB/cpu-s; aes128-ctr 335 and aes256-ctr
//   332 with hmac-sha2-256-etm; aes128-ctr 294 with hmac-sha2-256 (non-ETM) and
//   283 with hmac-sha2-512-etm (the node profile with the binding: 611).
//   GCM was ahead of or level with CTR in three earlier runs. ChaCha20-Poly1305 goes last there:
//   without the binding ssh2 computes Poly1305 in WebAssembly and makes three
//   cipher objects per packet (not measured: BoringSSL has no ChaCha20 at all).
// - With the binding (plain Node, serve mode) AES-GCM runs in one native call
//   per packet (~740 MB/s on a quiet machine, measured with ssh2 1.17 over exec); ChaCha20 third.
// CTR stays in both lists for servers without GCM; the MAC list puts ETM
// first, so CTR gets an encrypt-then-MAC SHA-256 MAC when the server allows it.
const CIPHER_WITH_BINDING: readonly CipherAlgorithm[] = [
  'aes128-gcm@openssh.com',
  'aes256-gcm@openssh.com',
  'chacha20-poly1305@openssh.com',
  'aes128-ctr',
  'aes192-ctr',
  'aes256-ctr',
];
const CIPHER_WITHOUT_BINDING: readonly CipherAlgorithm[] = [
  'aes128-gcm@openssh.com',
  'aes256-gcm@openssh.com',
  'aes128-ctr',
  'aes192-ctr',
  'aes256-ctr',
  'chacha20-poly1305@openssh.com',
];
// SHA-256 before SHA-512: with SHA-NI (most x86 CPUs since 2017-2019) it is the
// faster of the two (335 against 283 MB/cpu-s above); ETM first (MAC over
// the ciphertext, and 335 against 294 in ssh2's JavaScript path).
const HMAC: readonly MacAlgorithm[] = [
  'hmac-sha2-256-etm@openssh.com',
  'hmac-sha2-512-etm@openssh.com',
  'hmac-sha2-256',
  'hmac-sha2-512',
];
const COMPRESS: readonly CompressionAlgorithm[] = ['none'];

/**
 * Never offered, whatever the runtime supports (docs/SECURITY.md, SSH 5). Used to
 * tell a person why a server that offers only these is refused.
 */
export const REFUSED_BY_POLICY =
  /-cbc$|^3des|^ssh-rsa$|^ssh-dss$|^hmac-sha1|^hmac-md5|^hmac-ripemd|-96$|-sha1$|group1-|^arcfour|^blowfish|^cast128/;

/** The five negotiated lists of RFC 4253 §7.1, by ssh2's names for them. */
export type AlgorithmCategory = 'kex' | 'serverHostKey' | 'cipher' | 'hmac' | 'compress';

/**
 * The algorithm lists Hostdeck offers in this runtime, in preference order (RFC 4253 §7.1: the client's first choice
 * the server also lists wins).
 */
export interface SshOffer {
  kex: KexAlgorithm[];
  serverHostKey: ServerHostKeyAlgorithm[];
  cipher: CipherAlgorithm[];
  hmac: MacAlgorithm[];
  compress: CompressionAlgorithm[];
  /** Whether ssh2's native crypto binding loaded (it decides the cipher order). */
  nativeCrypto: boolean;
  /** Algorithms Hostdeck would offer that this runtime's crypto cannot do (ChaCha20 under Electron's BoringSSL). */
  unavailable: string[];
}

interface Ssh2Supported {
  SUPPORTED_KEX: string[];
  SUPPORTED_SERVER_HOST_KEY: string[];
  SUPPORTED_CIPHER: string[];
  SUPPORTED_MAC: string[];
  SUPPORTED_COMPRESSION: string[];
}

let cached: SshOffer | undefined;

/**
 * What Hostdeck offers in this process, by detection. Computed once: ssh2
 * fixes its supported lists when it is first loaded.
 */
export function sshOffer(): SshOffer {
  if (cached) return cached;
  const supported = loadCommonJs('ssh2/lib/protocol/constants.js') as Ssh2Supported;
  let nativeCrypto = false;
  try {
    nativeCrypto =
      (loadCommonJs('ssh2/lib/protocol/crypto.js') as { bindingAvailable?: boolean }).bindingAvailable === true;
  } catch {
    nativeCrypto = false;
  }
  const unavailable: string[] = [];
  const pick = <T extends string>(preferred: readonly T[], have: readonly string[]): T[] => {
    for (const a of preferred) if (!have.includes(a)) unavailable.push(a);
    return preferred.filter((a) => have.includes(a));
  };
  cached = {
    kex: pick(KEX, supported.SUPPORTED_KEX),
    serverHostKey: pick(SERVER_HOST_KEY, supported.SUPPORTED_SERVER_HOST_KEY),
    cipher: pick(nativeCrypto ? CIPHER_WITH_BINDING : CIPHER_WITHOUT_BINDING, supported.SUPPORTED_CIPHER),
    hmac: pick(HMAC, supported.SUPPORTED_MAC),
    compress: pick(COMPRESS, supported.SUPPORTED_COMPRESSION),
    nativeCrypto,
    unavailable,
  };
  return cached;
}

/** The offer as ssh2's `algorithms` connect option (fresh arrays: ssh2 may keep them). */
export function algorithms(): Algorithms {
  const o = sshOffer();
  return {
    kex: [...o.kex],
    serverHostKey: [...o.serverHostKey],
    cipher: [...o.cipher],
    hmac: [...o.hmac],
    compress: [...o.compress],
  };
}
