// `npm run serve` options and the build-if-needed check.
import { describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultDataDir, parseServeArgs, UsageError } from '../main/serve/options.js';
import { pageIsStale } from '../main/serve/build-page.js';

describe('parseServeArgs', () => {
  it('reads --port, --data-dir, --no-open in both spellings', () => {
    expect(parseServeArgs(['--port', '8123', '--data-dir', '/tmp/x', '--no-open'])).toEqual({
      port: 8123,
      dataDir: '/tmp/x',
      open: false,
      help: false,
    });
    expect(parseServeArgs(['--port=0', '--data-dir=/d'])).toMatchObject({ port: 0, dataDir: '/d', open: true });
    expect(parseServeArgs(['-h']).help).toBe(true);
  });

  it('refuses bad values with a sentence that says what is allowed', () => {
    for (const argv of [
      ['--port', '70000'],
      ['--port', '-1'],
      ['--port', '8e3'],
      ['--port', ''],
      ['--port'],
      ['--data-dir'],
      ['--bogus'],
      ['serve'],
    ]) {
      expect(() => parseServeArgs(argv), argv.join(' ')).toThrow(UsageError);
    }
    expect(() => parseServeArgs(['--port', 'abc'])).toThrow(/0 to 65535/);
  });

  it('defaults to the desktop app data folder on each platform', () => {
    expect(defaultDataDir({}, 'linux', '/home/a')).toBe('/home/a/.config/Hostdeck');
    expect(defaultDataDir({ XDG_CONFIG_HOME: '/xdg' }, 'linux', '/home/a')).toBe('/xdg/Hostdeck');
    expect(defaultDataDir({}, 'darwin', '/Users/a')).toBe('/Users/a/Library/Application Support/Hostdeck');
    expect(defaultDataDir({ APPDATA: 'C:\\Users\\a\\AppData\\Roaming' }, 'win32', 'C:\\Users\\a')).toMatch(
      /Roaming.Hostdeck$/,
    );
  });
});

describe('pageIsStale', () => {
  it('is stale with no build, fresh after one, stale again when a source changes', () => {
    const root = mkdtempSync(join(tmpdir(), 'hostdeck-build-'));
    mkdirSync(join(root, 'renderer', 'src'), { recursive: true });
    writeFileSync(join(root, 'renderer', 'src', 'main.ts'), 'x');
    const old = new Date(Date.now() - 60_000);
    utimesSync(join(root, 'renderer', 'src', 'main.ts'), old, old);
    utimesSync(join(root, 'renderer', 'src'), old, old);
    utimesSync(join(root, 'renderer'), old, old);
    expect(pageIsStale(root)).toBe(true);
    mkdirSync(join(root, 'out', 'renderer'), { recursive: true });
    writeFileSync(join(root, 'out', 'renderer', 'index.html'), 'built');
    expect(pageIsStale(root)).toBe(false);
    const later = new Date(Date.now() + 60_000);
    writeFileSync(join(root, 'renderer', 'src', 'main.ts'), 'y');
    utimesSync(join(root, 'renderer', 'src', 'main.ts'), later, later);
    expect(pageIsStale(root)).toBe(true);
  });
});
