// The packaged desktop app, checked without Electron's binary (it cannot be
// downloaded here): electron-builder assembles a Linux `--dir` build around a
// stand-in Electron, and we read back what it made.
//
// The stand-in is laid out like Electron's Linux zip as far as
// electron-builder looks at it (app-builder-lib's ElectronFramework: it copies
// the folder, renames `electron` to the executable name, moves LICENSE to
// LICENSE.electron.txt, prunes locales/*.pak, hashes resources/*.asar), and
// its `electron` is a small shell script carrying Electron's fuse wire (the
// sentinel @electron/fuses searches for, then the wire bytes) so that
// electron-builder can flip the fuses and we can read them back.
//
// What this proves: the asar's contents (our bundles, package.json `main`,
// production dependencies complete and nothing from devDependencies), which
// native addons ship and where, the fuse states electron-builder writes, and
// that electron-builder resolves our icon set. What it cannot prove: that the
// real Electron 45 binary starts this package (its wire may hold fuses this
// @electron/fuses does not know; they stay as Electron ships them), anything
// AppImage/deb/macOS/Windows targets add, or asar integrity (Linux has none).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  realpathSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, posix } from 'node:path';
import { extractFile, listPackage } from '@electron/asar';
import { FuseV1Options, getCurrentFuseWire } from '@electron/fuses';

const root = join(import.meta.dirname, '..');
const requireCjs = createRequire(import.meta.url);
const yaml = requireCjs('js-yaml') as { load(text: string): unknown };

interface BuilderConfig {
  npmRebuild?: boolean;
  deb?: { depends?: string[] | string };
  electronFuses?: Record<string, boolean>;
}
const config = yaml.load(readFileSync(join(root, 'electron-builder.yml'), 'utf8')) as BuilderConfig;
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  main: string;
  scripts: Record<string, string>;
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};

// @electron/fuses' wire format: SENTINEL, a version byte (1), a length byte,
// then one byte per fuse, '0' (48) off or '1' (49) on.
const SENTINEL = 'dL7pKGdnNz796PbbjQWNKmHXBZaB9tsX';
const OFF = 48;
const ON = 49;
// Electron's own defaults, in FuseV1Options order: RunAsNode on, cookie
// encryption off, NODE_OPTIONS on, --inspect on, asar integrity off, only
// app.asar off, browser V8 snapshot off, file:// privileges on. Every fuse we
// configure except the V8 snapshot differs, so an unflipped wire fails.
const ELECTRON_DEFAULT_WIRE = '10110001';

describe('electron-builder.yml', () => {
  it('keeps electron-builder default .deb depends (GTK, NSS, libsecret), which a depends list would replace', () => {
    const FpmTarget = (
      requireCjs('app-builder-lib/out/targets/FpmTarget.js') as {
        default: { prototype: { getDefaultDepends(target: string): string[] } };
      }
    ).default;
    const defaults = FpmTarget.prototype.getDefaultDepends.call(undefined, 'deb');
    expect(config.deb?.depends).toBeUndefined();
    const effective = config.deb?.depends ?? defaults;
    expect(effective).toEqual(expect.arrayContaining(['libgtk-3-0', 'libnss3', 'libsecret-1-0']));
  });

  it('does not rebuild native addons (nothing can be: see the comment there), and dist stays as it was', () => {
    expect(config.npmRebuild).toBe(false);
    expect(pkg.scripts['dist']).toBe('electron-vite build && electron-builder');
    expect(pkg.scripts['prestart']).toBe('node scripts/ensure-electron.mjs');
  });
});

describe('electron-builder --dir --linux with a stand-in Electron', () => {
  let work: string;
  let app: string; // the staged project
  let appOut: string; // linux-unpacked
  let asarPath: string;
  let listing: Set<string>;

  beforeAll(() => {
    const started = Date.now();
    work = mkdtempSync(join(tmpdir(), 'hostdeck-packaging-'));
    app = join(work, 'app');
    mkdirSync(app);

    // The project as electron-builder sees it, in a folder of its own: the
    // files it reads, a fresh build of out/, and node_modules hard-linked
    // (instant, no copy). A folder of its own because electron-builder asks
    // `npm ls` for the production tree, and npm does not see a symlinked
    // node_modules (a git worktree's) as this project's; and because nothing
    // here may write into the real node_modules or out/.
    for (const f of ['package.json', 'package-lock.json', 'electron-builder.yml'])
      copyFileSync(join(root, f), join(app, f));
    if (existsSync(join(root, 'build'))) cpSync(join(root, 'build'), join(app, 'build'), { recursive: true });
    const link = spawnSync('cp', ['-al', realpathSync(join(root, 'node_modules')), join(app, 'node_modules')], {
      encoding: 'utf8',
    });
    if (link.status !== 0)
      throw new Error(
        `cannot hard-link node_modules into ${work} (another filesystem? set TMPDIR to one on the same filesystem as node_modules): ${link.stderr}`,
      );
    const vite = spawnSync(
      process.execPath,
      [
        join(root, 'node_modules/electron-vite/bin/electron-vite.js'),
        'build',
        '--outDir',
        join(app, 'out'),
        '--logLevel',
        'warn',
      ],
      { cwd: root, encoding: 'utf8', timeout: 60_000 },
    );
    if (vite.status !== 0) throw new Error(`electron-vite build failed: ${vite.stderr}${vite.stdout}`);

    const dist = makeStandInElectron(join(work, 'electron-dist'));
    // Reports the icons electron-builder resolves for Linux targets (deb and
    // AppImage install these; a --dir build has no place for them).
    const hook = join(app, 'report-icons.cjs');
    writeFileSync(
      hook,
      `const { LinuxTargetHelper } = require(${JSON.stringify(requireCjs.resolve('app-builder-lib/out/targets/LinuxTargetHelper.js'))});
exports.default = async (context) => {
  const icons = await new LinuxTargetHelper(context.packager).icons;
  require('node:fs').writeFileSync(${JSON.stringify(join(work, 'icons.json'))}, JSON.stringify(icons));
};
`,
    );
    const env: NodeJS.ProcessEnv = { ...process.env, USE_HARD_LINKS: 'false', CI: 'true' };
    // Under vitest (VITEST set) electron-builder hard-links files into the output.
    for (const k of Object.keys(env)) if (k.startsWith('VITEST')) delete env[k];
    const builder = spawnSync(
      process.execPath,
      [
        join(root, 'node_modules/electron-builder/cli.js'),
        '--dir',
        '--linux',
        `-c.electronDist=${dist}`,
        `-c.directories.output=${join(work, 'dist')}`,
        // Never run @electron/rebuild here, whatever the file says: it
        // rebuilds in place (the config test asserts the file says false).
        '-c.npmRebuild=false',
        `-c.afterPack=${hook}`,
        '--publish=never',
      ],
      { cwd: app, env, encoding: 'utf8', timeout: 90_000, killSignal: 'SIGKILL' },
    );
    if (builder.status !== 0)
      throw new Error(
        `electron-builder failed (${builder.signal ?? builder.status}):\n${builder.stdout}\n${builder.stderr}`,
      );
    appOut = join(work, 'dist', 'linux-unpacked');
    asarPath = join(appOut, 'resources', 'app.asar');
    listing = new Set(listPackage(asarPath, { isPack: false }).map((p) => p.replaceAll('\\', '/')));
    const packages = [...listing].flatMap(
      (p) => /^\/node_modules\/((?:@[^/]+\/)?[^/]+)\/package\.json$/.exec(p)?.[1] ?? [],
    );
    console.log(
      `packaging: staged, built and packed in ${((Date.now() - started) / 1000).toFixed(1)} s; ${listing.size} asar entries; packages: ${packages.join(' ')}`,
    );
    console.log(`packaging: icons ${readFileSync(join(work, 'icons.json'), 'utf8')}`);
  }, 120_000);

  afterAll(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('lays the app out as Electron does: our executable, resources, locales, Electron licence', () => {
    expect(readdirSync(appOut).sort()).toEqual(
      expect.arrayContaining(['hostdeck', 'resources', 'locales', 'LICENSE.electron.txt', 'LICENSES.chromium.html']),
    );
    expect(existsSync(asarPath)).toBe(true);
    // Only app.asar: no loose resources/app/ that onlyLoadAppFromAsar would ignore anyway.
    expect(readdirSync(join(appOut, 'resources')).sort()).toEqual(['app.asar', 'app.asar.unpacked']);
  });

  it('holds the three bundles and a package.json whose main is in the asar', () => {
    for (const f of ['/out/main/index.js', '/out/preload/index.cjs', '/out/renderer/index.html', '/package.json'])
      expect(listing).toContain(f);
    const packed = JSON.parse(extractFile(asarPath, 'package.json').toString('utf8')) as { main: string };
    expect(packed.main).toBe(pkg.main);
    expect(listing).toContain(`/${posix.normalize(packed.main)}`);
    // No sources, tests, source maps or build resources.
    const stray = [...listing].filter(
      (p) =>
        /^\/(main|preload|renderer|shared|test|bench|build|scripts)\//.test(p) ||
        p.endsWith('.map') ||
        p.endsWith('.ts'),
    );
    expect(stray.filter((p) => !p.startsWith('/node_modules/'))).toEqual([]);
    // The tests' hooks into the page are built beside it but never shipped.
    expect([...listing].filter((p) => p.includes('test-hooks'))).toEqual([]);
  });

  it('holds every production dependency, complete down to their own dependencies', () => {
    for (const name of Object.keys(pkg.dependencies)) expect(listing).toContain(`/node_modules/${name}/package.json`);
    // Each packed package finds each of its (non-optional) dependencies the way
    // require() would: in its own node_modules, then up the tree.
    const missing: string[] = [];
    for (const entry of listing) {
      const m = /^(.*\/node_modules\/(?:@[^/]+\/)?[^/]+)\/package\.json$/.exec(entry);
      if (!m?.[1]) continue;
      const dir = m[1];
      const manifest = JSON.parse(extractFile(asarPath, dir.slice(1) + '/package.json').toString('utf8')) as {
        dependencies?: Record<string, string>;
      };
      for (const dep of Object.keys(manifest.dependencies ?? {})) {
        let found = false;
        for (let d = dir; ; d = d.slice(0, d.lastIndexOf('/node_modules/'))) {
          if (listing.has(`${d}/node_modules/${dep}/package.json`)) {
            found = true;
            break;
          }
          if (!d.includes('/node_modules/')) break;
        }
        if (!found && !listing.has(`/node_modules/${dep}/package.json`)) missing.push(`${dir.slice(1)} -> ${dep}`);
      }
    }
    expect(missing).toEqual([]);
  });

  it('holds no devDependency (the renderer bundle already contains xterm.js and noVNC)', () => {
    const unpacked = walk(join(appOut, 'resources', 'app.asar.unpacked')).map((p) => '/' + p);
    const everything = [...listing, ...unpacked];
    const dev = Object.keys(pkg.devDependencies);
    expect(dev).toEqual(
      expect.arrayContaining(['electron', 'vite', 'vitest', 'playwright-core', '@xterm/xterm', '@novnc/novnc']),
    );
    const found = dev.filter((name) => everything.some((p) => p.includes(`/node_modules/${name}/`)));
    expect(found).toEqual([]);
    expect(everything.filter((p) => p.includes('/node_modules/@types/'))).toEqual([]);
  });

  it('ships only native addons that load in Electron, from app.asar.unpacked', () => {
    const unpackedRoot = join(appOut, 'resources', 'app.asar.unpacked');
    const unpacked = walk(unpackedRoot);
    const nodeFiles = [
      ...new Set([
        ...[...listing].filter((p) => p.endsWith('.node')).map((p) => p.slice(1)),
        ...unpacked.filter((p) => p.endsWith('.node')),
      ]),
    ];
    // bufferutil (N-API) only: not ssh2's sshcrypto.node (Node ABI, OpenSSL 3)
    // nor cpu-features (Node ABI); ssh2 loads both in a try/catch.
    expect(nodeFiles.length).toBeGreaterThan(0);
    expect(nodeFiles.filter((p) => !p.startsWith('node_modules/bufferutil/prebuilds/'))).toEqual([]);
    expect(
      [...listing].filter((p) => /\/node_modules\/(cpu-features|nan|buildcheck)\/|\/protocol\/crypto\/build\//.test(p)),
    ).toEqual([]);
    // Every addon is on disk beside the asar, where Electron's dlopen looks.
    for (const f of nodeFiles) expect(existsSync(join(unpackedRoot, f)), f).toBe(true);
    expect(
      existsSync(join(unpackedRoot, 'node_modules/bufferutil/prebuilds', `linux-${process.arch}`, 'bufferutil.node')),
    ).toBe(true);
    // Its loader stays in the asar, and ssh2's JS fallback for Poly1305 is there.
    expect(listing).toContain('/node_modules/node-gyp-build/package.json');
    expect(listing).toContain('/node_modules/ssh2/lib/protocol/crypto/poly1305.js');
  });

  it('flips the fuses the config asks for (read back from the executable)', async () => {
    const wire = await getCurrentFuseWire(join(appOut, 'hostdeck'));
    expect(wire.version).toBe('1');
    const states = Object.fromEntries(
      Object.entries(wire)
        .filter(([k]) => k !== 'version')
        .map(([k, v]) => [FuseV1Options[Number(k)], v === ON ? 'on' : v === OFF ? 'off' : String(v)]),
    );
    expect(states).toEqual({
      RunAsNode: 'off',
      EnableCookieEncryption: 'on',
      EnableNodeOptionsEnvironmentVariable: 'off',
      EnableNodeCliInspectArguments: 'off',
      EnableEmbeddedAsarIntegrityValidation: 'on',
      OnlyLoadAppFromAsar: 'on',
      LoadBrowserProcessSpecificV8Snapshot: 'off',
      GrantFileProtocolExtraPrivileges: 'off',
    });
    // The executable is otherwise the stand-in, still runnable.
    const run = spawnSync(join(appOut, 'hostdeck'), ['--version'], { encoding: 'utf8' });
    expect(run.stdout.trim()).toBe('stand-in electron --version');
  });

  it('uses our icon: the Linux set resolved from build/icons, and a 1024 px build/icon.png', () => {
    const icons = JSON.parse(readFileSync(join(work, 'icons.json'), 'utf8')) as { file: string; size: number }[];
    expect(icons.map((i) => i.size).sort((a, b) => a - b)).toEqual([16, 24, 32, 48, 64, 128, 256, 512]);
    for (const icon of icons) {
      expect(realpathSync(dirname(icon.file))).toBe(realpathSync(join(app, 'build', 'icons')));
      expect(pngSize(icon.file)).toEqual([icon.size, icon.size]);
    }
    expect(pngSize(join(app, 'build', 'icon.png'))).toEqual([1024, 1024]);
  });
});

describe("npm start's prestart (scripts/ensure-electron.mjs)", () => {
  const script = join(root, 'scripts', 'ensure-electron.mjs');
  const electronDir = dirname(requireCjs.resolve('electron/package.json'));
  const pathTxt = join(electronDir, 'path.txt');
  // Where Electron was really downloaded, the script rightly does nothing.
  const installed = existsSync(pathTxt) && existsSync(join(electronDir, 'dist', readFileSync(pathTxt, 'utf8').trim()));

  function run(extraEnv: NodeJS.ProcessEnv): Promise<{ code: number | null; output: string; seconds: number }> {
    const env: NodeJS.ProcessEnv = { ...process.env, ...extraEnv };
    for (const k of Object.keys(env))
      if (/electron_(mirror|custom)|^ELECTRON_(EXEC_PATH|OVERRIDE_DIST_PATH)$/i.test(k) && !(k in extraEnv))
        delete env[k];
    const started = Date.now();
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [script], { env, stdio: ['ignore', 'pipe', 'pipe'] });
      let output = '';
      child.stdout.on('data', (d: Buffer) => (output += d.toString()));
      child.stderr.on('data', (d: Buffer) => (output += d.toString()));
      const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      child.on('error', reject);
      child.on('close', (code) => {
        clearTimeout(timer);
        resolve({ code, output, seconds: (Date.now() - started) / 1000 });
      });
    });
  }

  /** A mirror on 127.0.0.1 that answers as `handler` says. */
  async function mirror(handler: Parameters<typeof createServer>[1]): Promise<{ url: string; server: Server }> {
    const server = createServer(handler);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, server };
  }
  const close = (s: Server): Promise<void> => {
    s.closeAllConnections();
    return new Promise((r) => s.close(() => r()));
  };

  it('does nothing when ELECTRON_EXEC_PATH or ELECTRON_OVERRIDE_DIST_PATH points at a binary', async () => {
    for (const env of [{ ELECTRON_EXEC_PATH: '/bin/true' }, { ELECTRON_OVERRIDE_DIST_PATH: '/nonexistent' }]) {
      const r = await run(env);
      expect(r.code).toBe(0);
      expect(r.output).toBe('');
    }
  });

  it.skipIf(installed)(
    'offline (the download is refused): one line pointing to npm run serve, exit 1, at once',
    async () => {
      const { url, server } = await mirror((_req, res) => res.writeHead(404).end());
      try {
        const r = await run({ ELECTRON_MIRROR: url });
        expect(r.code).toBe(1);
        const lines = r.output.trimEnd().split('\n');
        expect(lines).toHaveLength(1);
        expect(lines[0]).toMatch(/^Hostdeck: could not download Electron \d+\.\d+\.\d+ \(.*404.*\); .*`npm run serve`/);
        expect(r.seconds).toBeLessThan(10);
      } finally {
        await close(server);
      }
    },
  );

  it.skipIf(installed)('a network that hangs is given up after the stall limit, with the same one line', async () => {
    const { url, server } = await mirror(() => {
      // accept, never answer
    });
    try {
      const r = await run({ ELECTRON_MIRROR: url, HOSTDECK_ELECTRON_STALL_SECONDS: '2' });
      expect(r.code).toBe(1);
      const lines = r.output.trimEnd().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/\(no data for 2 s\); .*`npm run serve`/);
      expect(r.seconds).toBeLessThan(8);
    } finally {
      await close(server);
    }
  });

  it.skipIf(installed)('a slow download that keeps moving is not cut off by the stall limit', async () => {
    const { url, server } = await mirror((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/zip', 'Content-Length': String(100 * 1024 * 1024) });
      let sent = 0;
      const tick = setInterval(() => {
        res.write(Buffer.alloc(4096));
        if (++sent === 32) {
          clearInterval(tick);
          res.destroy(); // the connection drops after 8 s
        }
      }, 250);
    });
    try {
      // 4 s, not less: on a loaded machine the installer takes a while to start.
      const r = await run({ ELECTRON_MIRROR: url, HOSTDECK_ELECTRON_STALL_SECONDS: '4' });
      expect(r.code).toBe(1);
      expect(r.seconds).toBeGreaterThan(6);
      const lines = r.output.trimEnd().split('\n');
      expect(lines[0]).toMatch(/^Hostdeck: downloading Electron/);
      expect(lines.at(-1)).toMatch(/^Hostdeck: could not download Electron/);
      expect(lines.at(-1)).not.toMatch(/no data/);
    } finally {
      await close(server);
    }
  });
});

/**
 * A folder laid out like Electron's Linux zip, as far as electron-builder
 * reads it. `electron` is a shell script whose comment carries the fuse wire
 * with Electron's default states.
 */
function makeStandInElectron(dir: string): string {
  mkdirSync(join(dir, 'locales'), { recursive: true });
  mkdirSync(join(dir, 'resources'));
  const script = Buffer.concat([
    Buffer.from('#!/bin/sh\n# Stand-in for the Electron executable (test/packaging.test.ts). Fuse wire:\n# '),
    Buffer.from(SENTINEL),
    Buffer.from([1, ELECTRON_DEFAULT_WIRE.length]),
    Buffer.from(ELECTRON_DEFAULT_WIRE),
    Buffer.from('\necho "stand-in electron $*"\n'),
  ]);
  writeFileSync(join(dir, 'electron'), script);
  chmodSync(join(dir, 'electron'), 0o755);
  for (const f of ['chrome-sandbox', 'chrome_crashpad_handler']) writeFileSync(join(dir, f), '');
  for (const f of [
    'LICENSE',
    'LICENSES.chromium.html',
    'icudtl.dat',
    'resources.pak',
    'v8_context_snapshot.bin',
    'snapshot_blob.bin',
  ])
    writeFileSync(join(dir, f), `stand-in ${f}\n`);
  for (const l of ['en-US', 'de', 'fr']) writeFileSync(join(dir, 'locales', `${l}.pak`), '');
  writeFileSync(join(dir, 'version'), `${(requireCjs('electron/package.json') as { version: string }).version}\n`);
  // No resources/default_app.asar: electron-builder would keep it from an
  // unpacked dist, and hashes every asar there (a fake one fails to parse).
  return dir;
}

/** Relative paths of the files under dir. */
function walk(dir: string, prefix = ''): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? walk(join(dir, e.name), `${prefix}${e.name}/`) : [`${prefix}${e.name}`],
  );
}

/** Width and height from a PNG's IHDR chunk. */
function pngSize(file: string): [number, number] {
  const b = readFileSync(file);
  expect(b.subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a');
  return [b.readUInt32BE(16), b.readUInt32BE(20)];
}
