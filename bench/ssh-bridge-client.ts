// The page's side of the bridge benchmark, in its own process as the renderer
// is: connects to a gateway ticket URL with ws, acks what it has taken in as
// xterm.js's flow-control guide describes (batched like the page's terminal,
// shared/terminal-protocol.ts ACK_EVERY_BYTES), waits for the shell prompt, and
// measures bulk throughput or keystroke echo. Prints one JSON line.
//   node --import tsx bench/ssh-bridge-client.ts <url> <origin> bulk <bytes>
//   node --import tsx bench/ssh-bridge-client.ts <url> <origin> keys <count>
import WebSocket from 'ws';
import { PROMPT, TerminalProbe } from './ssh-measure.js';
import { ACK_EVERY_BYTES } from '../shared/terminal-protocol.js';

const [url, origin, mode, countText] = process.argv.slice(2) as [string, string, string, string];
const count = Number(countText);
const ws = new WebSocket(url, { origin, perMessageDeflate: false });
// Acks are batched as the page's terminal does (one per ACK_EVERY_BYTES,
// 16 KiB, taken in), and flushed at once for small, interactive output. Like
// the page, each ack says how long this side waited for bytes since the last
// one: here, all the time between messages, as taking bytes in costs nothing.
let unacked = 0;
let idleMs = 0;
let doneAt = performance.now();
const probe = new TerminalProbe(
  (b) => ws.send(b),
  (fn) =>
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      if (!isBinary) return;
      idleMs += performance.now() - doneAt;
      fn(data);
      unacked += data.length;
      if (unacked >= ACK_EVERY_BYTES || data.length < 1024) {
        ws.send(JSON.stringify({ type: 'ack', bytes: unacked, idle: Math.round(idleMs) }));
        unacked = 0;
        idleMs = 0;
      }
      doneAt = performance.now();
    }),
);
const prompt = probe.until(PROMPT);
await new Promise((resolve, reject) => {
  ws.once('open', resolve);
  ws.once('error', reject);
});
await prompt;
const result = mode === 'bulk' ? { mbps: await probe.bulk(count) } : { times: await probe.keysInShell(count) };
process.stdout.write(`${JSON.stringify(result)}\n`);
ws.close();
