// The direct-TCP `connect` for openAuthenticatedVnc: resolves once connected,
// so a refused or unreachable server rejects with Node's own error and code
// (ECONNREFUSED, EHOSTUNREACH...), which the gateway maps to a close reason.
import net from 'node:net';

export function connectTcp(host: string, port: number, signal?: AbortSignal): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port, ...(signal ? { signal } : {}) });
    const socketOnConnect = (): void => {
      socket.off('error', socketOnError);
      resolve(socket);
    };
    const socketOnError = (err: Error): void => {
      socket.off('connect', socketOnConnect);
      socket.destroy();
      reject(err);
    };
    socket.once('connect', socketOnConnect);
    socket.once('error', socketOnError);
  });
}
