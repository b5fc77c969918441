// Child processes of the rig, tracked so that nothing outlives the test run.
// Each started process is killed by its own stop(); as a backstop, every pid
// is written to the run folder that globalSetup creates, and its teardown kills
// whatever is left (a worker that timed out or crashed never ran its stop()).
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { appendFileSync, chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const live = new Set<ChildProcess>();

export function runDir(): string {
  return process.env['HOSTDECK_TEST_RUN_DIR'] ?? tmpdir();
}

/**
 * Creates the run folder (peers' pid list and private folders) and points the
 * rig at it. Traversable, not listable, by the sshd test accounts, which read
 * their authorized_keys below it (see sshd.ts). Used by globalSetup and by the
 * benchmarks, which run the rig outside vitest.
 */
export function makeRunDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), `${prefix}-`));
  chmodSync(dir, 0o711);
  process.env['HOSTDECK_TEST_RUN_DIR'] = dir;
  return dir;
}

export interface RunDir {
  dir: string;
  /**
   * Kills any peer started in this folder that is still the same process,
   * removes the folder, and points the rig back at the run folder that was
   * current before (or none). Idempotent.
   */
  release(): void;
}

/**
 * A run folder owned by one caller (a benchmark), for as long as it holds it:
 * makeRunDir() sets HOSTDECK_TEST_RUN_DIR for the whole process and never
 * unsets it, so when several benchmarks run in one process the second found
 * the first one's folder, already removed (ENOENT in mkdtemp). This one
 * restores the previous value on release().
 */
export function openRunDir(prefix: string): RunDir {
  const previous = process.env['HOSTDECK_TEST_RUN_DIR'];
  const dir = makeRunDir(prefix);
  let released = false;
  return {
    dir,
    release() {
      if (released) return;
      released = true;
      killRecorded(dir);
      rmSync(dir, { recursive: true, force: true });
      if (process.env['HOSTDECK_TEST_RUN_DIR'] === dir) {
        if (previous === undefined) delete process.env['HOSTDECK_TEST_RUN_DIR'];
        else process.env['HOSTDECK_TEST_RUN_DIR'] = previous;
      }
    },
  };
}

/**
 * Runs `fn` in a run folder of its own (openRunDir), released whatever
 * happens: with several benchmarks in one process, each must find its own
 * folder, not the last one's.
 */
export async function inOwnRunDir<T>(prefix: string, fn: (dir: string) => Promise<T>): Promise<T> {
  const run = openRunDir(prefix);
  try {
    return await fn(run.dir);
  } finally {
    run.release();
  }
}

/** Kills every process listed in a run folder's `pids` that is still the same process (pids are reused). */
export function killRecorded(dir: string): void {
  let lines: string[] = [];
  try {
    lines = readFileSync(join(dir, 'pids'), 'utf8').split('\n').filter(Boolean);
  } catch {
    return; // No peer was started.
  }
  for (const line of lines) {
    const [pid, started] = line.split(' ');
    if (started && startTime(Number(pid)) === started) killTree(Number(pid));
  }
}

/** A fresh private folder for one peer, inside the run folder. */
export function makeTempDir(prefix: string): string {
  return mkdtempSync(join(runDir(), `${prefix}-`));
}

export interface Tracked {
  child: ChildProcess;
  /** Resolves with the exit code (or null on a signal) once the process ends. */
  exited: Promise<number | null>;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

export function startTracked(cmd: string, args: string[], opts: SpawnOptions = {}): Tracked {
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], ...opts });
  live.add(child);
  if (child.pid !== undefined) {
    try {
      appendFileSync(join(runDir(), 'pids'), `${child.pid} ${startTime(child.pid)}\n`);
    } catch {
      // No run folder (a helper used outside vitest): stop() still works.
    }
  }
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code) => {
      live.delete(child);
      resolve(code);
    });
    child.once('error', () => {
      live.delete(child);
      resolve(-1);
    });
  });
  return {
    child,
    exited,
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
      await exited;
      clearTimeout(timer);
    },
  };
}

// Backstop inside one worker: a worker that exits normally kills its children.
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

/** Collects a child's stdout+stderr, for error messages when it fails to start. */
export function captureOutput(child: ChildProcess, limit = 64 * 1024): () => string {
  let text = '';
  const add = (chunk: Buffer): void => {
    if (text.length < limit) text += chunk.toString('utf8');
  };
  child.stdout?.on('data', add);
  child.stderr?.on('data', add);
  return () => text;
}

/** Every descendant of `pid` (children first found, then theirs), from /proc. */
export function descendants(pid: number): number[] {
  const parentOf = new Map<number, number[]>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      // /proc/<pid>/stat: "pid (comm) state ppid ..."; comm may hold spaces.
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const list = parentOf.get(ppid) ?? [];
      list.push(Number(name));
      parentOf.set(ppid, list);
    } catch {
      // The process ended while we looked.
    }
  }
  const out: number[] = [];
  const queue = [pid];
  while (queue.length > 0) {
    const p = queue.shift() as number;
    for (const c of parentOf.get(p) ?? []) {
      out.push(c);
      queue.push(c);
    }
  }
  return out;
}

/**
 * Kills a process and its descendants the way a machine that vanishes would:
 * every process is stopped (SIGSTOP) first, then all are SIGKILLed. Killing
 * them one by one let a parent see its child die and report it before its own
 * turn (an sshd sent exit-signal KILL for the shell, so a "server vanished"
 * test saw the shell's end instead of the lost connection).
 */
export function killTree(pid: number): void {
  const all = [...descendants(pid).reverse(), pid];
  signalAll(all, 'SIGSTOP');
  signalAll(all, 'SIGKILL');
}

/** Sends `signal` to each of `pids`, in order; one that has already ended is passed over. */
export function signalAll(pids: readonly number[], signal: NodeJS.Signals): void {
  for (const pid of pids) {
    try {
      process.kill(pid, signal);
    } catch {
      // Already gone.
    }
  }
}

/** A process's start time in clock ticks (field 22 of /proc/<pid>/stat), or ''. */
export function startTime(pid: number): string {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? '';
  } catch {
    return '';
  }
}
