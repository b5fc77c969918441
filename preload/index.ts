// The preload exposes the API contract as a fixed, frozen table of named
// functions generated from API_METHODS, one event subscription, and the
// handles of the last OS drop. No raw
// ipcRenderer, no channel chosen by the page (VS Code's sandbox preload and
// electron/fiddle's ipc-events are the models). Main checks everything again.
import { contextBridge, ipcRenderer, webUtils, type IpcRendererEvent } from 'electron';
import { API_EVENTS, API_METHODS } from '../shared/api/contract.js';
import { IpcChannel } from '../shared/api/channels.js';

const api = Object.freeze(
  Object.fromEntries(
    API_METHODS.map((method) => [
      method,
      (...params: unknown[]) => ipcRenderer.invoke(IpcChannel.Invoke, method, params),
    ]),
  ),
);

const knownEvents = new Set<string>(API_EVENTS);

// Files dropped from the OS (docs/SFTP.md, "Desktop OS drops"): only a drop
// the person made (isTrusted) counts, and webUtils gives a path only for a
// File the OS supplied (one a script made has none). Main turns the paths
// into handles; the page receives handles from droppedFiles(), never a path.
// (Typed structurally: the preload is compiled with main's Node types, no DOM.)
interface DropEventLike {
  isTrusted: boolean;
  dataTransfer: { files: ArrayLike<unknown> } | null;
}
const page = globalThis as unknown as {
  addEventListener(type: 'drop', listener: (ev: DropEventLike) => void, capture: boolean): void;
};
let lastDrop: Promise<unknown> | undefined;
page.addEventListener(
  'drop',
  (ev) => {
    if (!ev.isTrusted || !ev.dataTransfer) return;
    const paths = Array.from(ev.dataTransfer.files, pathOf).filter((p) => p.length > 0);
    lastDrop = paths.length > 0 ? ipcRenderer.invoke(IpcChannel.Drop, paths) : Promise.resolve([]);
  },
  true,
);

function pathOf(file: unknown): string {
  try {
    return webUtils.getPathForFile(file as File);
  } catch {
    return '';
  }
}

contextBridge.exposeInMainWorld(
  'hostdeck',
  Object.freeze({
    api,
    onEvent(listener: (event: string, payload: unknown) => void): () => void {
      const wrapped = (_e: IpcRendererEvent, event: unknown, payload: unknown): void => {
        if (typeof event === 'string' && knownEvents.has(event)) listener(event, payload);
      };
      ipcRenderer.on(IpcChannel.Event, wrapped);
      return () => ipcRenderer.off(IpcChannel.Event, wrapped);
    },
    /** Handles for the files of the last OS drop (each drop is handed out once); [] when there was none. */
    droppedFiles(): Promise<unknown> {
      const drop = lastDrop ?? Promise.resolve([]);
      lastDrop = undefined;
      return drop;
    },
  }),
);
