// Whether the native speed-ups loaded. Without them everything works, more
// slowly, so the app reports it rather than hiding it. On plain Node (serve
// mode) both should load. In the desktop app ssh2's sshcrypto.node never
// does: it is built against OpenSSL 3 (EVP_MAC and friends), which Electron's
// BoringSSL lacks, so the package leaves it out and ssh2 uses its JavaScript
// path, with the cipher order chosen for that case (main/ssh/algorithms.ts).
// bufferutil is N-API and loads in both.
//
// The page asks (app.info) as it opens, before any SSH session, so the
// answer must not load ssh2 itself (main/ssh/ssh2-module.ts): ssh2's
// lib/protocol/crypto.js sets bindingAvailable exactly when its
// require('./crypto/build/Release/sshcrypto.node') succeeds, and that same
// file is what is tried here. Node caches it by path, so when ssh2 loads
// later it gets this very addon, not a second copy.
import { loadCommonJs } from '../load-commonjs.js';

/** Whether each native addon loaded in this process: ssh2's sshcrypto.node and ws's bufferutil. */
export interface NativeStatus {
  sshCrypto: boolean;
  bufferutil: boolean;
}

/** ssh2's native binding, by the path its lib/protocol/crypto.js requires it from. */
const SSH_CRYPTO_ADDON = 'ssh2/lib/protocol/crypto/build/Release/sshcrypto.node';

let cached: NativeStatus | undefined;

/** Tries to load both addons once and caches the answer; never throws (a failed load is `false`). */
export function nativeStatus(): NativeStatus {
  if (cached) return cached;
  let sshCrypto = false;
  let bufferutil = false;
  try {
    loadCommonJs(SSH_CRYPTO_ADDON);
    sshCrypto = true;
  } catch {
    sshCrypto = false;
  }
  try {
    loadCommonJs('bufferutil');
    bufferutil = true;
  } catch {
    bufferutil = false;
  }
  cached = { sshCrypto, bufferutil };
  return cached;
}
