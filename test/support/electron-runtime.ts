// A model of how Electron's main process differs from plain Node in the ways
// Hostdeck depends on. Electron links BoringSSL, not OpenSSL, and loads only
// native addons built for its own ABI. Code that passes every test on Node can
// therefore fail in the desktop app (it did: every SSH connection and the most
// common VNC login). The Electron binary cannot be downloaded on the test
// machines, so tests, benches and the Electron stand-in apply this model to a
// plain Node process instead.
//
// Each modelled difference, and where it comes from:
// - No ChaCha20 (`chacha20`, `chacha20-poly1305`) in crypto.getCiphers(),
//   createCipheriv or createDecipheriv. BoringSSL has no EVP_chacha20; Electron
//   declined to patch it in (electron/electron#24024, #23347). ssh2 then drops
//   chacha20-poly1305@openssh.com from what it supports and rejects an explicit
//   offer of it with "Unsupported algorithm".
// - TLS without anonymous suites (aNULL, ADH, AECDH) and without OpenSSL's
//   `@SECLEVEL=n` cipher-string keyword. BoringSSL removed anonymous cipher
//   suites and does not parse security levels, so a cipher list that asks for
//   them fails ("no cipher match" / "invalid command"). VeNCrypt's TLSNone,
//   TLSVnc and TLSPlain are anonymous TLS (the VeNCrypt specification,
//   TigerVNC's common/rfb/CSecurityTLS.cxx).
// - Native addons load only when they use N-API. An addon built with NAN
//   against Node's headers (ssh2's sshcrypto.node, cpu-features) was compiled
//   for Node's NODE_MODULE_VERSION and is refused by Electron's loader
//   (Electron's "Using Native Node Modules" guide). Rebuilt for Electron,
//   sshcrypto.node still cannot link: it calls OpenSSL 3 APIs (EVP_MAC_*,
//   EVP_PKEY_POLY1305, EVP_CTRL_GCM_IV_GEN) that BoringSSL does not have.
//   bufferutil is N-API and loads.
// - Hashes BoringSSL lacks (ripemd160, whirlpool, the SM3/BLAKE2 families) are
//   absent from crypto.getHashes(); Hostdeck uses none of them, and ssh2's
//   MACs (SHA-1/SHA-2) are unaffected.
//
// What this model cannot prove: Electron's own C++ (its protocol handlers,
// IPC, sandbox and window code), Chromium's flags inside Electron, and any
// BoringSSL difference not listed above. Differences checked and found not to
// matter for the code Hostdeck runs: ssh2's Diffie-Hellman groups (BoringSSL
// carries the RFC 3526 primes Node's getDiffieHellman uses), Ed25519, ECDSA
// P-256/384/521, X25519, RSA PKCS#1/PKCS#8 key parsing, AES-GCM/CTR, HMAC-SHA2,
// scrypt and AES-256-GCM for the sealed secrets.
import crypto from 'node:crypto';
import { readFileSync } from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import tls from 'node:tls';

const ABSENT_CIPHER = /chacha20/i;
const ABSENT_HASH = /ripemd|rmd160|whirlpool|sm3|blake2/i;
/** Cipher-string tokens that name only anonymous suites (OpenSSL ciphers(1)). */
const ANONYMOUS_TOKEN = /^(?:[!+-]?)(?:aNULL|ADH|AECDH|ADH-.*|AECDH-.*)$/i;

let applied = false;

/** True in a process where applyElectronRuntimeModel() has run. */
export function electronRuntimeModelled(): boolean {
  return applied;
}

/**
 * Makes this Node process behave like Electron's main process for the
 * differences listed above. Call it before anything imports ssh2 (ssh2 reads
 * the cipher list once, at load). Idempotent; there is no undo, so use it in
 * a process of its own (a vitest file runs in its own worker with `pool:
 * 'forks'`, a bench in a child process).
 */
export function applyElectronRuntimeModel(): void {
  if (applied) return;
  applied = true;
  modelCiphers();
  modelTls();
  modelNativeAddons();
  syncBuiltinESMExports();
}

function unknownCipher(name: string): Error {
  // Node's own error for a name the linked library does not know.
  return Object.assign(new TypeError(`Invalid cipher type: ${name}`), { code: 'ERR_CRYPTO_UNKNOWN_CIPHER' });
}

function modelCiphers(): void {
  const getCiphers = crypto.getCiphers.bind(crypto);
  const getHashes = crypto.getHashes.bind(crypto);
  const createCipheriv = crypto.createCipheriv.bind(crypto) as (...a: unknown[]) => unknown;
  const createDecipheriv = crypto.createDecipheriv.bind(crypto) as (...a: unknown[]) => unknown;
  const getCipherInfo = crypto.getCipherInfo.bind(crypto) as (...a: unknown[]) => unknown;
  const patch = crypto as unknown as Record<string, unknown>;
  patch['getCiphers'] = () => getCiphers().filter((c) => !ABSENT_CIPHER.test(c));
  patch['getHashes'] = () => getHashes().filter((h) => !ABSENT_HASH.test(h));
  patch['createCipheriv'] = (name: string, ...rest: unknown[]) => {
    if (ABSENT_CIPHER.test(name)) throw unknownCipher(name);
    return createCipheriv(name, ...rest);
  };
  patch['createDecipheriv'] = (name: string, ...rest: unknown[]) => {
    if (ABSENT_CIPHER.test(name)) throw unknownCipher(name);
    return createDecipheriv(name, ...rest);
  };
  patch['getCipherInfo'] = (name: unknown, ...rest: unknown[]) =>
    typeof name === 'string' && ABSENT_CIPHER.test(name) ? undefined : getCipherInfo(name, ...rest);
}

/** BoringSSL's answer to a cipher string: anonymous suites dropped, @SECLEVEL refused. */
export function boringSslCipherList(ciphers: string): string {
  if (/@SECLEVEL/i.test(ciphers)) {
    throw Object.assign(new Error('error:10000089:SSL routines:OPENSSL_internal:INVALID_COMMAND'), {
      code: 'ERR_SSL_INVALID_COMMAND',
    });
  }
  const kept = ciphers.split(/[:, ]+/).filter((t) => t !== '' && !ANONYMOUS_TOKEN.test(t));
  if (kept.filter((t) => !/^[!-]/.test(t)).length === 0) {
    throw Object.assign(new Error('error:100000b1:SSL routines:OPENSSL_internal:NO_CIPHER_MATCH'), {
      code: 'ERR_SSL_NO_CIPHER_MATCH',
    });
  }
  return kept.join(':');
}

function modelTls(): void {
  const createSecureContext = tls.createSecureContext.bind(tls);
  // tls.connect() and new TLSSocket() build their context through the module's
  // own export (lib/_tls_wrap.js), so patching it covers every path.
  (tls as unknown as Record<string, unknown>)['createSecureContext'] = (options?: tls.SecureContextOptions) => {
    if (options?.ciphers !== undefined) options = { ...options, ciphers: boringSslCipherList(options.ciphers) };
    return createSecureContext(options);
  };
}

function modelNativeAddons(): void {
  const dlopen = process.dlopen.bind(process) as (...a: unknown[]) => void;
  (process as unknown as Record<string, unknown>)['dlopen'] = (
    module: unknown,
    filename: string,
    ...rest: unknown[]
  ) => {
    if (!isNapiAddon(filename)) {
      throw Object.assign(
        new Error(
          `The module '${filename}' was compiled against a different Node.js version using ` +
            `NODE_MODULE_VERSION ${process.versions.modules}. This version of Node.js requires ` +
            'the NODE_MODULE_VERSION of Electron. Please try re-compiling or re-installing the module.',
        ),
        { code: 'ERR_DLOPEN_FAILED' },
      );
    }
    dlopen(module, filename, ...rest);
  };
}

/** An addon built on N-API imports napi_module_register or exports napi_register_module_v1. */
function isNapiAddon(filename: string): boolean {
  try {
    const bytes = readFileSync(filename);
    return bytes.includes('napi_register_module_v1') || bytes.includes('napi_module_register');
  } catch {
    return false;
  }
}
