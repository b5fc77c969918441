// The two log formats without a server: the plain-text filter against
// hostile terminal output (every chunking, split UTF-8, unterminated and huge
// sequences, C1 controls), the asciicast v2 encoder's lines, and log file
// names made from hostile host names.
import { describe, expect, it } from 'vitest';
import { AsciicastEncoder } from '../main/logs/asciicast.js';
import { LOG_FILE_PATTERN, logFileName, safeHostPart } from '../main/logs/log-names.js';
import { MAX_CONTROL_STRING, MAX_LINE, PlainTextFilter } from '../main/logs/plain-text.js';

/** Runs `input` through a fresh filter in chunks of `size` bytes (0: one chunk) and returns all the text. */
function strip(input: string | Buffer, size = 0): string {
  const bytes = typeof input === 'string' ? Buffer.from(input, 'utf8') : input;
  const f = new PlainTextFilter();
  let out = '';
  if (size === 0) out += f.push(bytes);
  else for (let i = 0; i < bytes.length; i += size) out += f.push(bytes.subarray(i, i + size));
  return out + f.end();
}

const CASES: Array<[string, string, string]> = [
  ['plain lines, CR LF', 'hello\r\nworld\r\n', 'hello\nworld\n'],
  ['SGR colours', '\x1b[1;31mred\x1b[0m plain\r\n', 'red plain\n'],
  ['OSC title ended by BEL', '\x1b]0;my title\x07prompt$ \r\n', 'prompt$\n'],
  ['OSC 8 link ended by ST', '\x1b]8;;http://x\x1b\\link\x1b]8;;\x1b\\\r\n', 'link\n'],
  ['DCS, APC, PM, SOS strings', 'a\x1bPq#0;1\x1b\\b\x1b_apc\x1b\\c\x1b^pm\x1b\\d\x1bXsos\x1b\\e\n', 'abcde\n'],
  ['private CSI (cursor keys, bracketed paste)', '\x1b[?2004h\x1b[?1hx\x1b[>4;1m\n', 'x\n'],
  ['charset and keypad ESC sequences', '\x1b(B\x1b)0\x1b=\x1b>ok\n', 'ok\n'],
  ['8-bit C1 CSI and OSC (as UTF-8)', '\u009b31mred\u009d0;t\u009c!\n', 'red!\n'],
  ['lone CR overwrites (a progress bar)', '10%\r20%\r100%\r\n', '100%\n'],
  ['CR then shorter text keeps the tail', 'abcdef\rxy\n', 'xycdef\n'],
  ['backspace', 'abc\b\bXY\n', 'aXY\n'],
  ['erase to end of line (readline redraw)', 'ls -la\r\x1b[K$ pwd\n', '$ pwd\n'],
  ['cursor left then type', 'abcd\x1b[2DXY\n', 'abXY\n'],
  ['BEL and other C0 leave nothing', 'a\x07b\x0ec\x0fd\n', 'abcd\n'],
  ['tab kept', 'a\tb\n', 'a\tb\n'],
  ['CAN cancels a sequence', '\x1b[31\x18x\n', 'x\n'],
  ['ESC inside OSC ends it and starts a sequence', '\x1b]0;t\x1b[1mz\n', 'z\n'],
  ['CJK and emoji', '你好 🙂\r\n', '你好 🙂\n'],
  ['unfinished last line is written at the end', '$ exit', '$ exit\n'],
];

describe('plain-text filter', () => {
  it.each(CASES)('%s', (_name, input, want) => {
    expect(strip(input)).toBe(want);
  });

  it.each(CASES)('%s: the same text in 1-, 2- and 3-byte chunks', (_name, input, want) => {
    for (const size of [1, 2, 3]) expect(strip(input, size)).toBe(want);
  });

  it('a UTF-8 character split over chunks is decoded whole; a truncated one at the end is one U+FFFD', () => {
    const bytes = Buffer.from('é中🙂\n', 'utf8');
    expect(strip(bytes, 1)).toBe('é中🙂\n');
    expect(strip(Buffer.from([0x61, 0xe4, 0xb8]), 1)).toBe('a\ufffd\n');
  });

  it('an unterminated OSC hides at most MAX_CONTROL_STRING characters, then text is logged again', () => {
    const hidden = 'h'.repeat(MAX_CONTROL_STRING);
    const out = strip(`before\n\x1b]0;${hidden}visible\n`, 4096);
    expect(out.startsWith('before\n')).toBe(true);
    expect(out).toContain('visible');
    expect(out.length).toBeLessThan(100);
  });

  it('a huge CSI is dropped without growing memory, and text after it is kept', () => {
    const out = strip(`\x1b[${'1;'.repeat(100_000)}mafter\n`, 1000);
    expect(out).toContain('after\n');
  });

  it('a line with no end is cut at MAX_LINE characters', () => {
    const out = strip('y'.repeat(MAX_LINE * 3 + 5), 7000);
    const lines = out.split('\n');
    expect(lines.slice(0, 3).every((l) => l.length === MAX_LINE)).toBe(true);
    expect(lines[3]).toBe('yyyyy');
  });

  it('random bytes never throw and never leave ESC or C1 in the text', () => {
    let seed = 7;
    const rnd = (): number => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) % 256;
    for (let round = 0; round < 20; round++) {
      const bytes = Buffer.from(Array.from({ length: 5000 }, rnd));
      const out = strip(bytes, 1 + (round % 13));
      expect(out).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f\u0080-\u009f]/);
    }
  });
});

describe('asciicast v2 encoder', () => {
  it('writes the header and "o" and "r" events as JSON lines, times never going backwards', () => {
    let now = 1000;
    const enc = new AsciicastEncoder(() => now);
    const header = JSON.parse(enc.header({ cols: 80, rows: 24, startedAt: 1_700_000_000_123, term: 'xterm-256color' }));
    expect(header).toEqual({
      version: 2,
      width: 80,
      height: 24,
      timestamp: 1_700_000_000,
      env: { TERM: 'xterm-256color' },
    });
    now = 1500;
    const o = enc.output(Buffer.from('\x1b[1mhi\r\n'));
    expect(o.endsWith('\n')).toBe(true);
    expect(JSON.parse(o)).toEqual([0.5, 'o', '\x1b[1mhi\r\n']);
    now = 1400; // a clock that steps back must not make times go back
    expect(JSON.parse(enc.resize(100, 30))).toEqual([0.5, 'r', '100x30']);
  });

  it('holds a split UTF-8 character until its second half arrives', () => {
    const enc = new AsciicastEncoder(() => 0);
    const bytes = Buffer.from('中', 'utf8');
    expect(enc.output(bytes.subarray(0, 2))).toBe('');
    expect(JSON.parse(enc.output(bytes.subarray(2)))[2]).toBe('中');
    expect(enc.output(Buffer.from([0xe4]))).toBe('');
    expect(JSON.parse(enc.end())[2]).toBe('\ufffd');
  });
});

describe('log file names', () => {
  it.each([
    ['web-1', 'web-1'],
    ['../../etc/passwd', 'etc_passwd'],
    ['a/b\\c:d*e?f"g<h>i|j', 'a_b_c_d_e_f_g_h_i_j'],
    ['.hidden', 'hidden'],
    ['\u0000\u001b[31m', '31m'],
    ['', 'host'],
    ['///', 'host'],
    ['生产 服务器', '生产_服务器'],
    ['x'.repeat(300), 'x'.repeat(64)],
    ['🙂'.repeat(70), 'host'],
  ])('%j → %j', (title, want) => {
    expect(safeHostPart(title)).toBe(want);
    const name = logFileName(title, Date.UTC(2026, 10, 30, 23, 59, 1), 'a1b2c3', 'plain');
    expect(name).toBe(`${want}_20261130T235901Z_a1b2c3.log`);
    expect(name).toMatch(LOG_FILE_PATTERN);
  });
});
