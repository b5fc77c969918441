// The benchmark's TCP targets, in a process of their own (forked by
// gateway.bench.ts): websockify runs in its own process, so the gateway must
// not share its event loop with the source it relays either.
import net from 'node:net';
import { pathToFileURL } from 'node:url';
import { startEchoServer, startSourceServer } from '../test/support/net.js';

export interface TargetPorts {
  src64: number;
  src1m: number;
  sink: number;
  echo: number;
  banner: number;
}

/** Counts what each connection sends and answers one byte once it has `total`. */
function startAckSink(total: number): Promise<number> {
  return listen((s) => {
    let got = 0;
    s.on('data', (d) => {
      got += d.length;
      if (got >= total && got - d.length < total) s.write('K');
    });
  });
}

/** Sends one byte on accept, like an RFB or SSH banner: the end of "connect". */
function startBanner(): Promise<number> {
  return listen((s) => {
    s.write('R');
    s.resume();
  });
}

/** A server on 127.0.0.1; it lives as long as this process. */
function listen(onSocket: (s: net.Socket) => void): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer((s) => {
      s.setNoDelay(true);
      s.on('error', () => s.destroy());
      onSocket(s);
    });
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => resolve((srv.address() as net.AddressInfo).port));
  });
}

async function start(c2sTotal: number): Promise<TargetPorts> {
  // Endless sources: the client hangs up after its bytes. (websockify drops
  // the tail of what it holds when the target closes first.)
  const src64 = await startSourceServer(Infinity, 64 * 1024);
  const src1m = await startSourceServer(Infinity, 1024 * 1024);
  const sink = await startAckSink(c2sTotal);
  const echo = await startEchoServer();
  const banner = await startBanner();
  return { src64: src64.port, src1m: src1m.port, sink, echo: echo.port, banner };
}

if (process.send !== undefined && import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  start(Number(process.argv[2])).then(
    (ports) => process.send?.(ports),
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
  // The parent's death (or disconnect) ends us.
  process.on('disconnect', () => process.exit(0));
}
