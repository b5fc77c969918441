// The desktop app's adapter for the store: electron-store as the file engine
// (the same file format as `conf`, which it wraps) and Electron's safeStorage
// for sealing. Kept thin: it cannot run here (no Electron binary), and every
// decision lives in main/store, which the tests exercise through `conf`.
import { app, safeStorage } from 'electron';
import ElectronStore from 'electron-store';
import { AddressBookStore } from '../store/address-book-store.js';
import { ENGINE_OPTIONS, type EngineFactory } from '../store/engine.js';

const electronStoreEngine: EngineFactory = ({ cwd, configName }) =>
  new ElectronStore<Record<string, unknown>>({ ...ENGINE_OPTIONS, cwd, name: configName });

/** Opens the address book in the app's data folder; the caller closes it on quit (index.ts). */
export function openDesktopStore(): AddressBookStore {
  // One writer is guaranteed by app.requestSingleInstanceLock() in index.ts.
  const store = AddressBookStore.open({
    dataDir: app.getPath('userData'),
    engine: electronStoreEngine,
    safeStorage,
    lock: false,
  });
  return store;
}
