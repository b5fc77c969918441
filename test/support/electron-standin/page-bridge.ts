// The page side of the stand-in: runs the app's BUILT preload in each window's
// top frame before the page's own scripts, the way Electron runs a sandboxed
// preload. `require('electron')` gives a contextBridge and an ipcRenderer; the
// ipcRenderer talks to the stand-in's ipcMain through Playwright bindings
// (__hostdeckStandinInvoke / __hostdeckStandinSend), and main's messages
// arrive through __hostdeckStandinDeliver.
//
// webUtils.getPathForFile is modelled by name (see below).
//
// Not modelled: Electron runs the preload in an isolated world, so page
// scripts cannot reach ipcRenderer; here it shares the main world. Main's own
// checks (sender frame, arguments) are what the tests exercise, and they do
// not depend on that isolation.

/** The init script for one window, with the preload bundle's source inside. */
export function pageBridgeScript(preloadSource: string): string {
  return `(() => {
  if (window.top !== window) return;
  const listeners = new Map();
  const invoke = window.__hostdeckStandinInvoke;
  const send = window.__hostdeckStandinSend;
  const ipcRenderer = {
    async invoke(channel, ...args) {
      const reply = await invoke(channel, args);
      if (reply && reply.__standinError !== undefined) {
        throw new Error("Error invoking remote method '" + channel + "': Error: " + reply.__standinError);
      }
      return reply ? reply.value : undefined;
    },
    send(channel, ...args) { void send(channel, args); },
    on(channel, listener) {
      if (!listeners.has(channel)) listeners.set(channel, new Set());
      listeners.get(channel).add(listener);
      return ipcRenderer;
    },
    once(channel, listener) {
      const wrapped = (...a) => { ipcRenderer.off(channel, wrapped); listener(...a); };
      return ipcRenderer.on(channel, wrapped);
    },
    off(channel, listener) { listeners.get(channel)?.delete(listener); return ipcRenderer; },
    removeListener(channel, listener) { return ipcRenderer.off(channel, listener); },
    removeAllListeners(channel) { listeners.delete(channel); return ipcRenderer; },
  };
  Object.defineProperty(window, '__hostdeckStandinDeliver', {
    value: (channel, args) => {
      for (const l of [...(listeners.get(channel) ?? [])]) l({ sender: ipcRenderer }, ...args);
    },
  });
  const contextBridge = {
    exposeInMainWorld(key, api) {
      Object.defineProperty(window, key, { value: api, enumerable: true, configurable: false, writable: false });
    },
  };
  // webUtils.getPathForFile: Electron answers the path of a File the OS gave
  // (a drop, an <input>) and '' for one a script made. The stand-in's
  // Chromium keeps no paths, so a test that drops files (CDP
  // Input.dispatchDragEvent) declares their paths by name in
  // __hostdeckStandinDropPaths; anything else gets ''.
  const webUtils = {
    getPathForFile(file) {
      if (!(file instanceof File)) throw new TypeError('getPathForFile takes a File');
      const known = window.__hostdeckStandinDropPaths;
      return (known && known[file.name]) || '';
    },
  };
  const electron = { contextBridge, ipcRenderer, webUtils };
  const require = (name) => {
    if (name === 'electron') return electron;
    throw new Error("module not found: " + name);
  };
  const module = { exports: {} };
  const exports = module.exports;
  (function (require, module, exports) {
${preloadSource}
  })(require, module, exports);
})();`;
}
