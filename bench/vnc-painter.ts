// The VNC bench's update loop, in a process of its own: paints the whole root
// window of an X display with full-colour tiles in new random colours, at a
// set pace (60 full screens/s by default), through a bare X11 connection.
//   node --import tsx bench/vnc-painter.ts <display number> <width> <height> [fps]
// The parent sends 'start' and 'stop' over IPC; 'stop' is answered with
// { frames, ms }: the full screens painted and the time they took.
//
// Why not xsetroot in a loop: one process per update ran ~9–30 updates/s on a
// shared 2-core machine, slower than either viewer draws, so both paths showed
// the loop's pace. RFB is pulled by the client (FramebufferUpdateRequest), so
// once the screen changes faster than a viewer asks, each viewer's fps is its
// own path's limit. Tiles of 16×16 solid random colours: every update is new
// everywhere, yet compresses like real screen content rather than noise.
import net from 'node:net';
import { randomBytes } from 'node:crypto';

const [displayText, widthText, heightText, fpsText] = process.argv.slice(2);
const display = Number(displayText);
const width = Number(widthText);
const height = Number(heightText);
const pace = Number(fpsText ?? 60);
const TILE = 16;
const FRAMES = 6;

const sock = net.connect(`/tmp/.X11-unix/X${display}`);
let buffered = Buffer.alloc(0);
const readBytes = (n: number): Promise<Buffer> =>
  new Promise((resolve, reject) => {
    const tryRead = (): void => {
      if (buffered.length >= n) {
        const out = buffered.subarray(0, n);
        buffered = buffered.subarray(n);
        sock.off('data', onData);
        resolve(out);
      }
    };
    const onData = (d: Buffer): void => {
      buffered = Buffer.concat([buffered, d]);
      tryRead();
    };
    sock.on('data', onData);
    sock.once('error', reject);
    tryRead();
  });

await new Promise<void>((resolve, reject) => {
  sock.once('connect', () => resolve());
  sock.once('error', reject);
});
// Connection setup (X11 protocol, "Connection Setup"): little-endian, no authorization.
const hello = Buffer.alloc(12);
hello[0] = 0x6c;
hello.writeUInt16LE(11, 2);
sock.write(hello);
const head = await readBytes(8);
const extra = await readBytes(head.readUInt16LE(6) * 4);
if (head[0] !== 1) throw new Error(`X server refused the connection: ${extra.subarray(0, head[1]).toString('latin1')}`);
const idBase = extra.readUInt32LE(4);
const maxRequest = extra.readUInt16LE(18) * 4;
const vendorLen = extra.readUInt16LE(16);
const formats = extra[21] as number;
const screenAt = 32 + Math.ceil(vendorLen / 4) * 4 + formats * 8;
const root = extra.readUInt32LE(screenAt);
const rootDepth = extra[screenAt + 38] as number;
let bpp = 0;
for (let i = 0; i < formats; i++) {
  const at = 32 + Math.ceil(vendorLen / 4) * 4 + i * 8;
  if (extra[at] === rootDepth) bpp = extra[at + 1] as number;
}
if (rootDepth !== 24 || bpp !== 32)
  throw new Error(`expected a 24-bit root with 32 bits per pixel, got depth ${rootDepth}, ${bpp} bpp`);
sock.on('data', (d: Buffer) => {
  // Only errors can arrive (no request here has a reply and no events are selected).
  if (d[0] === 0) {
    console.error(`X error ${d[1]} on request ${d[10]}`);
    process.exit(1);
  }
});

// CreateGC (opcode 55) with no values.
const gc = idBase | 1;
const createGc = Buffer.alloc(16);
createGc[0] = 55;
createGc.writeUInt16LE(4, 2);
createGc.writeUInt32LE(gc, 4);
createGc.writeUInt32LE(root, 8);
sock.write(createGc);

// FRAMES full screens, each cut into PutImage (opcode 72, ZPixmap) strips below the request size limit.
const rowBytes = width * 4;
const stripRows = Math.min(height, Math.floor((maxRequest - 24) / rowBytes / TILE) * TILE);
const frames: Buffer[][] = [];
for (let f = 0; f < FRAMES; f++) {
  const colours = randomBytes(Math.ceil(width / TILE) * Math.ceil(height / TILE) * 3);
  const strips: Buffer[] = [];
  for (let y0 = 0; y0 < height; y0 += stripRows) {
    const rows = Math.min(stripRows, height - y0);
    const req = Buffer.alloc(24 + rows * rowBytes);
    req[0] = 72;
    req[1] = 2;
    req.writeUInt16LE(req.length / 4, 2);
    req.writeUInt32LE(root, 4);
    req.writeUInt32LE(gc, 8);
    req.writeUInt16LE(width, 12);
    req.writeUInt16LE(rows, 14);
    req.writeInt16LE(0, 16);
    req.writeInt16LE(y0, 18);
    req[21] = 24; // depth (byte 20 is left-pad, 0 for ZPixmap)
    for (let y = 0; y < rows; y++) {
      for (let x = 0; x < width; x++) {
        const c = (Math.floor((y0 + y) / TILE) * Math.ceil(width / TILE) + Math.floor(x / TILE)) * 3;
        const at = 24 + y * rowBytes + x * 4;
        req[at] = colours[c] as number;
        req[at + 1] = colours[c + 1] as number;
        req[at + 2] = colours[c + 2] as number;
      }
    }
    strips.push(req);
  }
  frames.push(strips);
}

let running = false;
let painted = 0;
let t0 = 0;
const paint = async (): Promise<void> => {
  const interval = 1000 / pace;
  let next = performance.now();
  while (running) {
    for (const strip of frames[painted % FRAMES] as Buffer[]) {
      if (!sock.write(strip)) await new Promise((r) => sock.once('drain', r));
    }
    painted++;
    next += interval;
    const wait = next - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    else next = performance.now();
  }
};
let loop: Promise<void> = Promise.resolve();
process.on('message', (m: string) => {
  if (m === 'start') {
    running = true;
    painted = 0;
    t0 = performance.now();
    loop = paint();
  } else if (m === 'stop') {
    running = false;
    void loop.then(() => process.send?.({ frames: painted, ms: performance.now() - t0 }));
  } else if (m === 'exit') {
    sock.end();
    process.exit(0);
  }
});
process.send?.('ready');
