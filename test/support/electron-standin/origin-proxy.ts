// A loopback HTTP proxy between the stand-in's Chromium and everything it
// talks to. Its one job beyond relaying: a WebSocket upgrade sent by a page at
// the stand-in origin carries `Origin: <stand-in origin>`, where Electron's
// page at app://hostdeck would send `Origin: app://hostdeck`. The proxy puts
// the app origin back on exactly those upgrades, so the gateway's Origin check
// is exercised with what Electron sends. Upgrades from any other origin (a
// foreign page in the same browser) pass unchanged.
import { createServer, request as httpRequest, type IncomingMessage, type Server } from 'node:http';
import { connect, type Socket } from 'node:net';

export interface OriginProxy {
  port: number;
  close(): void;
}

export type OriginMapping = () => { from: string; to: string } | undefined;

/** Starts the proxy on 127.0.0.1 with an OS-chosen port. */
export async function startOriginProxy(mapping: OriginMapping): Promise<OriginProxy> {
  const server: Server = createServer((req, res) => {
    // Plain HTTP through a proxy arrives in absolute form: relay it.
    let target: URL;
    try {
      target = new URL(req.url ?? '');
    } catch {
      res.writeHead(400).end();
      return;
    }
    const upstream = httpRequest(
      {
        host: target.hostname,
        port: target.port || 80,
        method: req.method,
        path: target.pathname + target.search,
        headers: req.headers,
      },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  server.on('connect', (req: IncomingMessage, client: Socket, head: Buffer) => tunnel(req, client, head, mapping));
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const port = (server.address() as { port: number }).port;
  return {
    port,
    close: () => {
      server.closeAllConnections();
      server.close();
    },
  };
}

const HEAD_LIMIT = 64 * 1024;

function tunnel(req: IncomingMessage, client: Socket, head: Buffer, mapping: OriginMapping): void {
  const [host, portText] = (req.url ?? '').split(':');
  const upstream = connect(Number(portText), host ?? '127.0.0.1');
  upstream.on('error', () => client.destroy());
  client.on('error', () => upstream.destroy());
  upstream.once('connect', () => {
    client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
    // Hold the client's first request head, rewrite it if it is an upgrade
    // from the stand-in origin, then relay raw bytes both ways.
    let buffered = head;
    const onData = (chunk: Buffer): void => {
      buffered = Buffer.concat([buffered, chunk]);
      const end = buffered.indexOf('\r\n\r\n');
      if (end < 0 && buffered.length < HEAD_LIMIT) return;
      client.off('data', onData);
      upstream.write(end < 0 ? buffered : rewriteOrigin(buffered, end, mapping));
      client.pipe(upstream);
      upstream.pipe(client);
    };
    client.on('data', onData);
    if (head.length > 0) onData(Buffer.alloc(0));
  });
}

function rewriteOrigin(buffer: Buffer, headEnd: number, mapping: OriginMapping): Buffer {
  const map = mapping();
  const head = buffer.subarray(0, headEnd).toString('latin1');
  if (!map || !/^upgrade:\s*websocket\s*$/im.test(head)) return buffer;
  const rewritten = head.replace(/^origin:\s*(.*)$/im, (line, value: string) =>
    value.trim() === map.from ? `Origin: ${map.to}` : line,
  );
  return Buffer.concat([Buffer.from(rewritten, 'latin1'), buffer.subarray(headEnd)]);
}
