// The preload exposes a fixed table of named functions and nothing else
// (no raw ipcRenderer). The API table arrives with the app issue.
import { contextBridge } from 'electron';

contextBridge.exposeInMainWorld('hostdeck', Object.freeze({ version: '0.1.0' }));
