// Session logs against a real sshd, through the API and the gateway as the
// page uses them: output lands in the file stripped (plain) or replayable
// (asciicast v2, checked against asciinema itself), files are 0600 in a 0700
// folder, a runaway `yes` stops at the cap with one marker, a secret typed at
// `read -s` never reaches a log, two tabs get two files, the folder's total
// cap deletes only Hostdeck's oldest logs, and a failing disk leaves the
// terminal working with one notice.
import { afterEach, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import WebSocket from 'ws';
import type { Api } from '../main/api/create-api.js';
import { LOG_FILE_PATTERN } from '../main/logs/log-names.js';
import { PlainTextFilter } from '../main/logs/plain-text.js';
import type { PromptRequest } from '../shared/api/contract.js';
import type { SessionLogInfo, SessionLogNotice, SessionLogSettings } from '../shared/session-logs.js';
import type { HostInput } from '../shared/model/host.js';
import { StoreHarness } from './fixtures/store/harness.js';
import { callApi, sharedApiPeers, type CallResult } from './support/api.js';
import { sshHostInput } from './support/hosts.js';
import type { Sshd } from './support/sshd.js';

const harness = new StoreHarness('session-log');
const ORIGIN = 'http://127.0.0.1:1';
let sshd: Sshd;
const openApi = sharedApiPeers(harness, ORIGIN, (_, s) => {
  sshd = s;
});
const sockets: WebSocket[] = [];
const MARKER = '[Hostdeck: logging stopped here: this log reached its 1 MiB cap.]';
const count = (text: string, part: string): number => text.split(part).length - 1;

// Registered after sharedApiPeers' hooks, so it runs before them (vitest runs after-hooks last registered first):
// the page's sockets go before their APIs are disposed.
afterEach(() => {
  for (const ws of sockets.splice(0)) ws.terminate();
});

interface Rig {
  api: Api;
  store: ReturnType<StoreHarness['open']>;
  dataDir: string;
  logsDir: string;
  notices: SessionLogNotice[];
  call(method: string, ...params: unknown[]): Promise<CallResult>;
  /** Saves an SSH host for the rig's sshd (with `extra` fields) and returns its id. */
  host(name: string, extra?: Partial<HostInput>): Promise<string>;
  settings(s: Partial<SessionLogSettings>): Promise<SessionLogInfo>;
}

/** A serve-mode API on a fresh data folder that answers every prompt (trust the key, give the password). */
function rig(opts: { logOpen?: (path: string) => number; store?: Rig['store'] } = {}): Rig {
  const store = opts.store ?? harness.open({ saveDelayMs: 0 });
  const api = openApi({ store, ...(opts.logOpen ? { logOpen: opts.logOpen } : {}) });
  const call = (method: string, ...params: unknown[]): Promise<CallResult> =>
    callApi(api.dispatcher, method, ...params);
  const notices: SessionLogNotice[] = [];
  api.dispatcher.subscribe((event, payload) => {
    if (event === 'logs.notice') notices.push(payload as SessionLogNotice);
    if (event !== 'prompt.ask') return;
    const p = payload as PromptRequest & { promptId: string };
    const answer =
      p.kind === 'hostKey'
        ? { type: 'decision', accept: true }
        : { type: 'secret', value: sshd.password, remember: false };
    void call('prompts.answer', p.promptId, answer);
  });
  const dataDir = dirname(store.path);
  return {
    api,
    store,
    dataDir,
    logsDir: join(dataDir, 'logs'),
    notices,
    call,
    host: async (name, extra = {}) => {
      const r = await call('hosts.create', { ...sshHostInput(name, sshd), ...extra });
      expect(r.error).toBeUndefined();
      return (r.result as { id: string }).id;
    },
    settings: async (s) => {
      const current = (await call('logs.settings')).result as SessionLogInfo;
      const r = await call('logs.update', { mode: current.mode, fileCapMiB: 10, totalCapMiB: 500, ...s });
      expect(r.error).toBeUndefined();
      return r.result as SessionLogInfo;
    },
  };
}

interface Tab {
  sessionId: string;
  /** Everything the page received, as text. */
  out(): string;
  type(text: string): void;
  resize(cols: number, rows: number): void;
  /** Waits until the page has received `text`. */
  waitFor(text: string | RegExp, timeout?: number): Promise<void>;
  close(): void;
}

let openCount = 0;
/** Opens a tab on `hostId` the way the page does, acking every frame it draws (flow control). */
async function openTab(r: Rig, hostId: string): Promise<Tab> {
  const opened = await r.call('sessions.open', hostId, { openId: `o${++openCount}`, cols: 80, rows: 24 });
  expect(opened.error).toBeUndefined();
  const ticket = opened.result as { url: string; sessionId: string };
  const ws = new WebSocket(ticket.url, { headers: { Origin: ORIGIN } });
  sockets.push(ws);
  const chunks: Buffer[] = [];
  ws.on('message', (d: Buffer, binary) => {
    if (!binary) return;
    chunks.push(d);
    ws.send(JSON.stringify({ type: 'ack', bytes: d.length }));
  });
  await new Promise<void>((ok, fail) => {
    const late = setTimeout(
      () => fail(new Error(`the gateway socket of ${ticket.sessionId} did not open in 20 s`)),
      20_000,
    );
    ws.once('open', () => (clearTimeout(late), ok())).once('error', (err) => (clearTimeout(late), fail(err)));
  });
  const out = (): string => Buffer.concat(chunks).toString('utf8');
  const tab: Tab = {
    sessionId: ticket.sessionId,
    out,
    type: (text) => ws.send(Buffer.from(text)),
    resize: (cols, rows) => ws.send(JSON.stringify({ type: 'resize', cols, rows })),
    waitFor: async (text, timeout = 20_000) => {
      await expect
        .poll(() => (typeof text === 'string' ? out().includes(text) : text.test(out())), { timeout })
        .toBe(true)
        .catch((err: unknown) => {
          throw new Error(`${String(err)}; the page received ${JSON.stringify(out().slice(-2000))}`);
        });
    },
    close: () => ws.close(),
  };
  // A prompt first, so what a test types goes to a shell that is ready.
  tab.type('PS1="ready$((1+1))> "\n');
  await tab.waitFor('ready2> ');
  return tab;
}

function logFiles(dir: string): string[] {
  return existsSync(dir) ? readdirSync(dir).filter((n) => LOG_FILE_PATTERN.test(n)) : [];
}

/**
 * What a log says as a person reads it: a plain log's text, or an asciicast's "o" events joined. A cast holds one
 * event per chunk the server sent, and where a chunk ends is up to sshd's timing (the shell echoes `exit` a key at a
 * time; a busy sshd may read "exit" and "\r\n" apart), so a cast's raw text is never searched for output.
 */
function logText(path: string): string {
  const text = readFileSync(path, 'utf8');
  if (!path.endsWith('.cast')) return text;
  // Complete lines only: the writer may be half-way through the last one.
  const events = text.split('\n').slice(1, -1);
  return events
    .map((l) => JSON.parse(l) as [number, string, string])
    .reduce((s, [, c, d]) => (c === 'o' ? s + d : s), '');
}

/** Waits for exactly `n` logs in `dir` whose text (logText) satisfies `done`, and returns their names. */
async function waitForLogs(dir: string, n: number, done: (text: string) => boolean): Promise<string[]> {
  const matching = (): string[] => logFiles(dir).filter((f) => done(logText(join(dir, f))));
  await expect
    .poll(() => matching().length, { timeout: 20_000 })
    .toBe(n)
    .catch((err: unknown) => {
      const seen = logFiles(dir).map((f) => `${f}: ${JSON.stringify(logText(join(dir, f)).slice(-400))}`);
      throw new Error(`${String(err)}; the logs in ${dir} end with:\n${seen.join('\n')}`);
    });
  return logFiles(dir);
}

/** Runs a program that must finish within `seconds`; a failure names it, says whether it hung, and shows its output. */
function runBounded(what: string, file: string, args: string[], seconds = 15): string {
  try {
    const options = { encoding: 'utf8', timeout: seconds * 1000, killSignal: 'SIGKILL' } as const;
    return execFileSync(file, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (err) {
    const e = err as { code?: string; stdout?: string; stderr?: string; message: string };
    const hung = e.code === 'ETIMEDOUT' ? `did not finish in ${seconds} s (killed)` : `failed (${e.message})`;
    throw new Error(`${what} ${hung}; output: ${JSON.stringify(`${e.stdout ?? ''}${e.stderr ?? ''}`.slice(-2000))}`);
  }
}

/** The "o" events' data of an asciicast file, joined, after checking every line is valid asciicast v2. */
function castOutput(text: string): { header: Record<string, unknown>; output: string; resizes: string[] } {
  const lines = text.split('\n');
  expect(lines.pop()).toBe(''); // every line ends in LF
  const header = JSON.parse(lines.shift() as string) as Record<string, unknown>;
  let last = 0;
  let output = '';
  const resizes: string[] = [];
  for (const line of lines) {
    const ev = JSON.parse(line) as unknown[];
    expect(ev).toHaveLength(3);
    const [t, code, data] = ev as [number, string, string];
    expect(typeof t === 'number' && t >= last).toBe(true);
    last = t;
    expect(['o', 'r']).toContain(code); // never "i": input is not recorded
    if (code === 'o') output += data;
    else resizes.push(data);
  }
  return { header, output, resizes };
}

describe('session logs with a real sshd', () => {
  it('plain text: the output lands stripped of escape sequences, in a 0600 file in a 0700 folder', async () => {
    const r = rig();
    await r.settings({ mode: 'plain' });
    const tab = await openTab(r, await r.host('web/1 "prod"'));
    tab.type("printf '\\033[1;32mgreen\\033[0m \\033]0;%s\\007plain-%s\\n' T$((1+1))itle $((6*7)); exit\n");
    await tab.waitFor('plain-42');
    const [name] = await waitForLogs(r.logsDir, 1, (t) => t.includes('green plain-42'));
    expect(name).toMatch(/^web_1_prod_\d{8}T\d{6}Z_[0-9a-f]{6}\.log$/);
    const path = join(r.logsDir, name as string);
    const text = readFileSync(path, 'utf8');
    expect(text).toContain('\ngreen plain-42\n');
    expect(text).not.toMatch(/[\x1b\x07]/);
    expect(text).not.toContain('T2itle'); // the OSC's text (the command line shows T$((1+1))itle)
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(statSync(r.logsDir).mode & 0o777).toBe(0o700);
    expect(statSync(join(r.dataDir, 'session-logs.json')).mode & 0o777).toBe(0o600);
  });

  it('asciicast: valid v2 with the resize, replaying to exactly what the page received (and asciinema agrees)', async () => {
    const r = rig();
    await r.settings({ mode: 'asciicast' });
    const tab = await openTab(r, await r.host('cast'));
    tab.resize(100, 30);
    tab.type("stty size; printf '\\033[31m中文🙂\\033[0m done-%s\\n' $((40+2))\n");
    await tab.waitFor('done-42');
    tab.type('exit\n');
    const [name] = await waitForLogs(r.logsDir, 1, (t) => t.includes('exit\r\n'));
    const path = join(r.logsDir, name as string);
    expect(name).toMatch(/\.cast$/);
    await expect
      .poll(() => castOutput(readFileSync(path, 'utf8')).output, { timeout: 20_000 })
      .toBe(tab.out())
      .catch((err: unknown) => {
        const [log, page] = [castOutput(readFileSync(path, 'utf8')).output, tab.out()];
        let i = 0;
        while (i < log.length && log[i] === page[i]) i++;
        const at = (t: string): string => JSON.stringify(t.slice(Math.max(0, i - 40), i + 80));
        throw new Error(
          `${String(err)}; log (${log.length}) and page (${page.length}) part at ${i}: ${at(log)} vs ${at(page)}`,
        );
      });
    const { header, output, resizes } = castOutput(readFileSync(path, 'utf8'));
    expect(header).toMatchObject({
      version: 2,
      width: 80,
      height: 24,
      env: { TERM: 'xterm-256color' },
      title: 'cast',
    });
    expect(typeof header['timestamp']).toBe('number');
    expect(resizes).toEqual(['100x30']);
    expect(output).toContain('30 100');
    expect(output).toContain('\x1b[31m中文🙂\x1b[0m done-42');
    // Differential: asciinema's own reader prints the same bytes. It wants a terminal (/dev/tty) even to print, so it
    // runs under script(1); its standard output still goes to a plain file.
    const replayFile = join(r.dataDir, 'replay.out');
    const cat = `asciinema cat '${path}' > '${replayFile}'`;
    runBounded('asciinema cat, under script(1),', 'script', ['-q', '-e', '-c', cat, '/dev/null']);
    const replay = readFileSync(replayFile, 'utf8');
    expect(replay).toBe(output);
    // And the replay, stripped, is the plain-text log's text.
    const f = new PlainTextFilter();
    expect(f.push(Buffer.from(replay)) + f.end()).toContain('中文🙂 done-42\n');
    expect(statSync(path).mode & 0o777).toBe(0o600);
  });

  it('a secret typed while echo is off (read -s) never reaches a plain or an asciicast log', async () => {
    for (const mode of ['plain', 'asciicast'] as const) {
      const r = rig();
      await r.settings({ mode });
      const tab = await openTab(r, await r.host(`secret-${mode}`));
      tab.type('read -s -p "Secret$((1+1)): " s; echo; echo "got ${#s} chars"\n');
      // The prompt as the shell prints it, not the echo of the command line: only then is echo off.
      await tab.waitFor('Secret2: ');
      tab.type('hunter2-SEKRET\n');
      await tab.waitFor('got 14 chars');
      tab.type('exit\n');
      const [name] = await waitForLogs(r.logsDir, 1, (t) => t.includes('got 14 chars'));
      const text = logText(join(r.logsDir, name as string));
      expect(text).toContain('got 14 chars');
      expect(text).not.toContain('hunter2');
      expect(text).not.toContain('SEKRET');
    }
  });

  it('a runaway `yes` stops at the cap with one marker, the file never passes it, and the terminal goes on', async () => {
    const r = rig();
    await r.settings({ mode: 'plain', fileCapMiB: 1 });
    const tab = await openTab(r, await r.host('flood'));
    tab.type('yes hostdeck-flood\n');
    const [name] = await waitForLogs(r.logsDir, 1, (t) => t.includes(MARKER));
    const path = join(r.logsDir, name as string);
    tab.type('\x03');
    tab.type('echo after-$((1+1))\n');
    await tab.waitFor('after-2', 30_000);
    const text = readFileSync(path, 'utf8');
    expect(statSync(path).size).toBeLessThanOrEqual(1024 * 1024);
    expect(statSync(path).size).toBeGreaterThan(1024 * 1024 - 200);
    expect(count(text, MARKER)).toBe(1);
    expect(text.trimEnd().endsWith('cap.]')).toBe(true);
    expect(text).not.toContain('after-2');
  });

  it('the cap holds for asciicast too: whole events only, then one marker event', async () => {
    const r = rig();
    await r.settings({ mode: 'asciicast', fileCapMiB: 1 });
    const tab = await openTab(r, await r.host('flood-cast'));
    tab.type('yes hostdeck-flood\n');
    const [name] = await waitForLogs(r.logsDir, 1, (t) => t.includes(MARKER));
    tab.type('\x03');
    const path = join(r.logsDir, name as string);
    const { output } = castOutput(readFileSync(path, 'utf8'));
    expect(count(output, MARKER)).toBe(1);
    expect(statSync(path).size).toBeLessThanOrEqual(1024 * 1024);
  });

  it('two tabs of one host get two files; a host set to off is not logged, one set to asciicast is', async () => {
    const r = rig();
    await r.settings({ mode: 'plain' });
    const id = await r.host('twice');
    const [a, b] = [await openTab(r, id), await openTab(r, id)];
    a.type('echo tab-a-$((1+1))\n');
    b.type('echo tab-b-$((1+1))\n');
    await a.waitFor('tab-a-2');
    await b.waitFor('tab-b-2');
    a.close();
    b.close();
    const names = await waitForLogs(r.logsDir, 2, (t) => /^tab-[ab]-2$/m.test(t));
    const texts = names.map((n) => readFileSync(join(r.logsDir, n), 'utf8'));
    expect(texts.filter((t) => /^tab-a-2$/m.test(t))).toHaveLength(1);
    expect(texts.filter((t) => /^tab-b-2$/m.test(t))).toHaveLength(1);

    const off = await openTab(r, await r.host('quiet', { sessionLog: 'off' }));
    off.type('echo not-logged-$((1+1))\n');
    await off.waitFor('not-logged-2');
    off.close();
    await r.settings({ mode: 'off' });
    const cast = await openTab(r, await r.host('own-cast', { sessionLog: 'asciicast' }));
    cast.type('echo own-$((1+1))\n');
    await cast.waitFor('own-2');
    cast.close();
    await waitForLogs(r.logsDir, 1, (t) => /^own-2\r$/m.test(t));
    expect(logFiles(r.logsDir).filter((n) => n.startsWith('quiet'))).toEqual([]);
    expect(logFiles(r.logsDir)).toHaveLength(3);
  });

  it("the folder's total cap deletes the oldest Hostdeck logs only, at a session's start", async () => {
    const r = rig();
    await r.settings({ mode: 'plain', fileCapMiB: 1, totalCapMiB: 3 });
    mkdirSync(r.logsDir, { recursive: true });
    const old = ['a_20200101T000000Z_000001.log', 'b_20200101T000000Z_000002.cast', 'c_20200101T000000Z_000003.log'];
    old.forEach((n, i) => {
      writeFileSync(join(r.logsDir, n), Buffer.alloc(900 * 1024));
      utimesSync(join(r.logsDir, n), 1_600_000_000 + i, 1_600_000_000 + i);
    });
    writeFileSync(join(r.logsDir, 'notes.txt'), Buffer.alloc(100));
    const tab = await openTab(r, await r.host('pruner'));
    tab.type('echo pruned-$((1+1))\n');
    await tab.waitFor('pruned-2');
    // 3 × 900 KiB + a new 1 MiB file would pass 3 MiB: the oldest goes, the rest and notes.txt stay.
    const left = readdirSync(r.logsDir);
    expect(left).not.toContain(old[0]);
    expect(left).toEqual(expect.arrayContaining([old[1], old[2], 'notes.txt']));
  });

  it('a failing disk (every write ENOSPC): the terminal keeps working and the tab gets one notice', async () => {
    const r = rig({ logOpen: () => openSync('/dev/full', 'w') });
    await r.settings({ mode: 'plain' });
    const tab = await openTab(r, await r.host('full-disk'));
    tab.type('seq 1 20000; echo still-$((2+3))\n');
    await tab.waitFor('still-5', 30_000);
    await expect.poll(() => r.notices.length).toBe(1);
    expect(r.notices[0]).toMatchObject({ sessionId: tab.sessionId, title: 'full-disk', code: 'LOG_WRITE_FAILED' });
    expect(r.notices[0]?.message).toContain('disk is full');
    tab.type('echo later-$((1+1))\n');
    await tab.waitFor('later-2');
    expect(r.notices).toHaveLength(1);
  });

  it('serve mode: no folder choice, hostile settings refused, and no call takes a path', async () => {
    const r = rig();
    expect((await r.call('logs.chooseFolder')).error?.code).toBe('LOG_NO_FOLDER_CHOICE');
    expect((await r.call('logs.openFolder')).error?.code).toBe('LOG_NO_FOLDER_CHOICE');
    for (const bad of [
      [],
      [{ mode: 'plain', fileCapMiB: 10, totalCapMiB: 500 }, '/etc'],
      [{ mode: 'raw', fileCapMiB: 10, totalCapMiB: 500 }],
      [{ mode: 'plain', fileCapMiB: 0, totalCapMiB: 500 }],
      [{ mode: 'plain', fileCapMiB: 1.5, totalCapMiB: 500 }],
      [{ mode: 'plain', fileCapMiB: 10, totalCapMiB: 1e12 }],
      ['plain'],
    ])
      expect((await r.call('logs.update', ...bad)).error?.code).toBe('API_BAD_REQUEST');
    // A folder written into the settings file by hand is ignored in serve mode.
    writeFileSync(
      join(r.dataDir, 'session-logs.json'),
      JSON.stringify({ mode: 'plain', fileCapMiB: 10, totalCapMiB: 500, folder: '/tmp' }),
    );
    const again = rig({ store: r.store });
    const info = (await again.call('logs.settings')).result as SessionLogInfo;
    expect(info).toMatchObject({ folder: r.logsDir, customFolder: false, canChooseFolder: false });
  });
});
