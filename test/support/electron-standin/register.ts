// `node --import register.mjs boot.mjs <app dir>`: what makes plain Node look
// like Electron's main process to the built app. Applies the BoringSSL /
// native-addon runtime model (../electron-runtime.ts) before any app module
// loads, and resolves the bare specifier `electron` to the stand-in module.
import { register } from 'node:module';
import { applyElectronRuntimeModel } from '../electron-runtime.js';

if (process.env['HOSTDECK_STANDIN_NO_RUNTIME_MODEL'] !== '1') applyElectronRuntimeModel();

const electronUrl = new URL('./electron.mjs', import.meta.url).href;
const hooks = `
export async function resolve(specifier, context, next) {
  if (specifier === 'electron') return { url: ${JSON.stringify(electronUrl)}, shortCircuit: true };
  return next(specifier, context);
}`;
register(`data:text/javascript,${encodeURIComponent(hooks)}`);
