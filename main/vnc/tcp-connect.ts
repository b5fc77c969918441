// The direct-TCP `connect` for openAuthenticatedVnc: resolves once connected;
// a refused, unreachable or unknown server rejects with a VNC_ code and a
// sentence that says what to check (vnc-errors.ts vncSocketError), never a
// bare Node error that would reach the person as "something went wrong".
import net from 'node:net';
import { vncSocketError } from './vnc-errors.js';

/**
 * Opens a TCP connection to a VNC server. Rejects with VNC_CONNECTION_REFUSED, VNC_HOST_UNREACHABLE, VNC_HOST_NOT_FOUND
 * or VNC_SERVER_CLOSED (mapped from the errno), or with the AbortError itself when `signal` aborts.
 */
export function connectTcp(host: string, port: number, signal?: AbortSignal): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port, ...(signal ? { signal } : {}) });
    const socketOnConnect = (): void => {
      socket.off('error', socketOnError);
      resolve(socket);
    };
    const socketOnError = (err: NodeJS.ErrnoException): void => {
      socket.off('connect', socketOnConnect);
      socket.destroy();
      // A cancelled open keeps its AbortError: the caller asked for it.
      reject(err.name === 'AbortError' ? err : vncSocketError(host, port, err));
    };
    socket.once('connect', socketOnConnect);
    socket.once('error', socketOnError);
  });
}
