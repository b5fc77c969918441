// The local side of local (-L) and dynamic (-D) forwards: a net.Server on
// the forward's bind. Sockets start paused (pauseOnConnect) so nothing is
// read, and nothing buffered, before their channel is open. A port in use is
// TUNNEL_PORT_IN_USE, never an uncaught 'error'.
import net from 'node:net';
import type { Carrier } from './forward.js';
import { bindFailed } from './errors.js';

/**
 * Each accepted socket's read and write buffer: 256 KiB, not Node's 16 KiB, so
 * that the channel piped into it is paused (and its window held back, RFC 4254
 * §5.2) less often. Measured with `npm run bench -- tunnels`.
 */
export const SOCKET_BUFFER = 256 * 1024;

/** Listens on address:port and hands every accepted (paused) socket to `accept`. */
export function tcpCarrier(address: string, port: number, accept: (sock: net.Socket) => void): Carrier {
  // allowHalfOpen: a client's EOF is passed on as the channel's EOF, and the reply still comes back.
  const server = net.createServer(
    { allowHalfOpen: true, pauseOnConnect: true, highWaterMark: SOCKET_BUFFER },
    (sock) => {
      // An accepted socket that errors before it is joined must not become an uncaught error.
      sock.on('error', () => sock.destroy());
      sock.setNoDelay(true);
      accept(sock);
    },
  );
  return {
    listen: () =>
      new Promise((resolve, reject) => {
        const serverOnError = (err: NodeJS.ErrnoException): void => {
          server.removeListener('listening', serverOnListening);
          reject(bindFailed(address, port, err));
        };
        const serverOnListening = (): void => {
          server.removeListener('error', serverOnError);
          // Later errors (EMFILE on accept) must not crash main; the accept loop goes on.
          server.on('error', () => undefined);
          const a = server.address() as net.AddressInfo;
          resolve({ address: a.address, port: a.port });
        };
        server.once('error', serverOnError);
        server.once('listening', serverOnListening);
        server.listen({ host: address, port, exclusive: true });
      }),
    close: () =>
      new Promise((resolve) => {
        if (!server.listening) return resolve();
        server.close(() => resolve());
      }),
  };
}
