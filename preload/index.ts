// The preload exposes the API contract as a fixed, frozen table of named
// functions generated from API_METHODS, plus one event subscription. No raw
// ipcRenderer, no channel chosen by the page (VS Code's sandbox preload and
// electron/fiddle's ipc-events are the models). Main checks everything again.
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
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
  }),
);
