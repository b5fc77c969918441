// Whether the native speed-ups loaded. Without them everything works, about
// 2.5x slower (../shared/ENVIRONMENT.md), so the app reports it rather than
// hiding it; the packaged app must rebuild sshcrypto.node for Electron.
import { createRequire } from 'node:module';

// Not named `require`: electron-vite's ESM shim declares its own `require` in
// the main bundle, and a second declaration is a SyntaxError at start-up.
const loadCommonJs = createRequire(import.meta.url);

export interface NativeStatus {
  sshCrypto: boolean;
  bufferutil: boolean;
}

let cached: NativeStatus | undefined;

export function nativeStatus(): NativeStatus {
  if (cached) return cached;
  let sshCrypto = false;
  let bufferutil = false;
  try {
    sshCrypto = (loadCommonJs('ssh2/lib/protocol/crypto.js') as { bindingAvailable?: boolean }).bindingAvailable === true;
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
