// The tunnels bench's library ceiling, in a process of its own:
//   node --import tsx bench/tunnels-ssh2.ts '<TunnelSsh2Config JSON>'
// A local forward with ssh2 alone, none of Hostdeck's code: one ssh2 Client,
// each accepted socket piped both ways (stream.pipe) into a Client.forwardOut
// channel, the same cipher as both other sides and the socket settings
// Hostdeck's forwards use (TCP_NODELAY, 256 KiB stream buffers). What
// forward_throughput leaves between this and `ssh -L` is ssh2 and Node's
// socket path, not main/tunnels. Prints one JSON line ({ localPort }) and runs
// until its standard input closes.
import { readFileSync } from 'node:fs';
import net from 'node:net';
import ssh2 from 'ssh2';
import type { KeyTarget } from './ssh-measure.js';

export interface TunnelSsh2Config extends KeyTarget {
  targetPort: number;
  cipher: string;
  /** The rig sshd's host key, base64 of the key blob: the only key accepted. */
  hostKey: string;
}

const config = JSON.parse(process.argv[2] ?? '{}') as TunnelSsh2Config;
const client = new ssh2.Client();
const server = net.createServer({ allowHalfOpen: true, pauseOnConnect: true, highWaterMark: 256 * 1024 }, (sock) => {
  sock.setNoDelay(true);
  client.forwardOut('127.0.0.1', 0, '127.0.0.1', config.targetPort, (err, channel) => {
    if (err) return void sock.destroy();
    sock.pipe(channel);
    channel.pipe(sock);
    channel.once('close', () => sock.destroy());
    sock.once('close', () => channel.destroy());
  });
});
client.once('ready', () => {
  server.listen(0, '127.0.0.1', () => {
    process.stdout.write(`${JSON.stringify({ localPort: (server.address() as net.AddressInfo).port })}\n`);
  });
});
client.once('error', (err) => {
  process.stderr.write(`tunnels-ssh2: ${err.message}\n`);
  process.exit(1);
});
// As SshConnection sets up its socket: TCP_NODELAY, or small window adjusts wait on Nagle.
const sock = net.connect({ host: config.host, port: config.port });
sock.setNoDelay(true);
client.connect({
  sock,
  username: config.user,
  privateKey: readFileSync(config.keyPath),
  hostVerifier: (key: Buffer) => key.toString('base64') === config.hostKey,
  algorithms: { cipher: [config.cipher] as never },
});
process.stdin.resume();
process.stdin.once('end', () => process.exit(0));
