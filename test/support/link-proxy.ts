// A loopback TCP relay that stands for the network between Hostdeck and a
// server, so a test can break the link without touching the server: cut()
// resets every joined pair and refuses new ones (as a route that went away),
// restore() lets them through again, stall() silences the open ones (as a
// path that drops every packet), retarget() sends the next ones to
// another server (the same address answering with another machine).
import net from 'node:net';

export interface LinkProxy {
  /** The port to connect to on 127.0.0.1. */
  readonly port: number;
  /** Connections accepted since start (refused ones while cut count too). */
  readonly accepted: number;
  /** Resets every open pair and refuses new connections until restore(). */
  cut(): void;
  /** Open pairs stop carrying bytes, both ways, without closing (a path that went silent); new ones still pass. */
  stall(): void;
  restore(): void;
  /** New connections go to 127.0.0.1:`port`; open pairs keep theirs. */
  retarget(port: number): void;
  close(): Promise<void>;
}

/** Starts the relay on an OS-chosen loopback port, forwarding to 127.0.0.1:`targetPort`. */
export async function startLinkProxy(targetPort: number): Promise<LinkProxy> {
  let target = targetPort;
  let up = true;
  let accepted = 0;
  const pairs = new Set<net.Socket>();
  const server = net.createServer((inbound) => {
    accepted++;
    if (!up) {
      inbound.resetAndDestroy();
      return;
    }
    const outbound = net.connect({ host: '127.0.0.1', port: target });
    for (const s of [inbound, outbound]) {
      pairs.add(s);
      s.on('error', () => undefined);
      s.on('close', () => {
        pairs.delete(s);
        inbound.destroy();
        outbound.destroy();
      });
    }
    inbound.pipe(outbound);
    outbound.pipe(inbound);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    get accepted() {
      return accepted;
    },
    cut() {
      up = false;
      for (const s of [...pairs]) s.resetAndDestroy();
    },
    stall() {
      for (const s of [...pairs]) {
        s.unpipe();
        s.pause();
      }
    },
    restore() {
      up = true;
    },
    retarget(p) {
      target = p;
    },
    close() {
      up = false;
      for (const s of [...pairs]) s.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
