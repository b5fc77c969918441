// Small network helpers for the rig: free ports from the OS, waiting for a
// banner, and plain TCP peers (echo, source, sink) for the gateway tests.
import net from 'node:net';

/** Asks the OS for a free port on `host` (listen on 0, read it, close). */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.once('error', reject);
    srv.listen(0, host, () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

/** True when a TCP connect to 127.0.0.1:`port` is refused (nothing listens), false when it is accepted. */
export function connectRefused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('connect', () => (s.destroy(), resolve(false)));
    s.once('error', () => resolve(true));
  });
}

/**
 * Connects repeatedly until the peer sends bytes that start with `prefix`
 * (an SSH or RFB banner), or `timeoutMs` passes. Waiting on the real condition
 * rather than sleeping keeps the rig fast and reliable on a loaded machine.
 */
export async function waitForBanner(
  host: string,
  port: number,
  prefix: string,
  timeoutMs = 15000,
  isAlive: () => boolean = () => true,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError = 'no answer';
  while (Date.now() < deadline) {
    if (!isAlive()) throw new Error(`process exited before ${host}:${port} answered`);
    const got = await new Promise<string>((resolve) => {
      const sock = net.connect(port, host);
      let buf = '';
      const done = (v: string): void => {
        sock.destroy();
        resolve(v);
      };
      sock.setTimeout(1000, () => done(buf));
      sock.on('data', (d) => {
        buf += d.toString('latin1');
        if (buf.length >= prefix.length) done(buf);
      });
      sock.on('error', (e) => done(`!${e.message}`));
      sock.on('close', () => done(buf));
    });
    if (got.startsWith(prefix)) return;
    lastError = got || 'empty';
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${host}:${port} did not send "${prefix}" within ${timeoutMs} ms (last: ${lastError.slice(0, 80)})`);
}

export interface TcpPeer {
  host: string;
  port: number;
  /** Connections accepted so far (the gateway tests assert it stays 0). */
  readonly connections: number;
  /** Sockets currently open. */
  readonly sockets: ReadonlySet<net.Socket>;
  close(): Promise<void>;
}

function listenPeer(onSocket: (sock: net.Socket) => void, host = '127.0.0.1'): Promise<TcpPeer> {
  return new Promise((resolve, reject) => {
    const sockets = new Set<net.Socket>();
    let connections = 0;
    const srv = net.createServer((sock) => {
      connections++;
      sockets.add(sock);
      sock.on('close', () => sockets.delete(sock));
      sock.on('error', () => sock.destroy());
      onSocket(sock);
    });
    srv.once('error', reject);
    srv.listen(0, host, () => {
      const { port } = srv.address() as net.AddressInfo;
      resolve({
        host,
        port,
        get connections() {
          return connections;
        },
        sockets,
        close: () =>
          new Promise<void>((res) => {
            for (const s of sockets) s.destroy();
            srv.close(() => res());
          }),
      });
    });
  });
}

/** Echoes every byte back. */
export function startEchoServer(host?: string): Promise<TcpPeer> {
  return listenPeer((sock) => sock.pipe(sock), host);
}

/**
 * Sends `totalBytes` (Infinity: until the client goes) in `chunkSize` writes,
 * honouring backpressure, then ends. The payload repeats a known pattern so a
 * reader can check that no byte was lost or reordered.
 */
export function startSourceServer(totalBytes: number, chunkSize = 64 * 1024, host?: string): Promise<TcpPeer> {
  const chunk = patternChunk(chunkSize);
  return listenPeer((sock) => {
    let sent = 0;
    const pump = (): void => {
      while (sent < totalBytes) {
        const n = Math.min(chunkSize, totalBytes - sent);
        const ok = sock.write(n === chunkSize ? chunk : chunk.subarray(0, n));
        sent += n;
        if (!ok) {
          sock.once('drain', pump);
          return;
        }
      }
      sock.end();
    };
    pump();
  }, host);
}

/**
 * Accepts and never reads: each socket stays paused, so the kernel buffers
 * fill and the writer meets backpressure. A test may resume a socket itself.
 */
export function startStalledServer(host?: string): Promise<TcpPeer> {
  return listenPeer((sock) => sock.pause(), host);
}

/** Connects to `port` on 127.0.0.1; rejects with the socket's error (ECONNREFUSED...) instead of emitting it. */
export function connectLoopback(port: number): Promise<net.Socket> {
  return new Promise<net.Socket>((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.off('error', reject);
      resolve(s);
    });
    s.once('error', reject);
  });
}

/** Reads and counts everything; `received` sums over all connections. */
export async function startSinkServer(host?: string): Promise<TcpPeer & { readonly received: number }> {
  let received = 0;
  const peer = await listenPeer((sock) => {
    sock.on('data', (d) => {
      received += d.length;
    });
  }, host);
  return Object.defineProperty(peer, 'received', { get: () => received }) as TcpPeer & { readonly received: number };
}

/** Bytes 0..255 repeating, so that offset i holds i % 256. */
export function patternChunk(size: number): Buffer {
  const b = Buffer.allocUnsafe(size);
  for (let i = 0; i < size; i++) b[i] = i & 0xff;
  return b;
}

/**
 * How a connection to `port` on another loopback address (127.0.0.2) ends:
 * 'ECONNREFUSED' for a server bound to 127.0.0.1 only, 'CONNECTED' for one
 * bound wider (0.0.0.0 answers on every address, as it would to the network).
 */
export function probeFromOtherLoopback(port: number): Promise<string> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.2');
    s.once('connect', () => {
      s.destroy();
      resolve('CONNECTED');
    });
    s.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
  });
}
