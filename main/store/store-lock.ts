// One writer per data folder in serve mode (docs/SECURITY.md "Address book" 5): a
// lock file made with O_EXCL that holds our pid. A lock whose pid is no longer
// running is stale (a crash) and taken over; a live one is STORE_LOCKED. The
// desktop app uses Electron's single-instance lock instead.
import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { storeErrors } from './errors.js';

/** Lock files this process holds, to tell "ours, still open" from "same pid, previous run". */
const heldHere = new Set<string>();

/**
 * A lock file holding our pid, so two serve-mode processes never write one book; a stale lock (its pid gone) is taken
 * over.
 */
export class StoreLock {
  /** The lock file's path, as given to acquire(). */
  readonly path: string;
  #held = false;

  private constructor(path: string) {
    this.path = path;
  }

  /**
   * Creates the lock file with O_EXCL and mode 0600. Throws STORE_LOCKED when a live process holds it, or Node's fs
   * error (EACCES, EROFS) when it cannot be made.
   */
  static acquire(path: string): StoreLock {
    const lock = new StoreLock(path);
    // Two tries: the second after removing a stale lock. If another process
    // takes it over in between, O_EXCL makes exactly one of us win.
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        const fd = openSync(path, 'wx', 0o600);
        try {
          writeSync(fd, `${process.pid}\n`);
        } finally {
          closeSync(fd);
        }
        lock.#held = true;
        heldHere.add(path);
        return lock;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
        const holder = readPid(path);
        // Our own pid in a lock we do not hold is a previous run's: in a
        // container the same pid comes back after every restart.
        if (holder === process.pid ? heldHere.has(path) : holder !== undefined && isAlive(holder))
          throw storeErrors.locked(path, holder as number);
        try {
          unlinkSync(path);
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
        }
      }
    }
    throw storeErrors.locked(path, readPid(path) ?? 0);
  }

  /** Deletes the lock file if it is still ours; safe to call twice. */
  release(): void {
    if (!this.#held) return;
    this.#held = false;
    heldHere.delete(this.path);
    // Only our own lock: never remove one a later process took over.
    if (readPid(this.path) === process.pid) {
      try {
        unlinkSync(this.path);
      } catch {
        // Already gone.
      }
    }
  }
}

function readPid(path: string): number | undefined {
  try {
    const n = Number.parseInt(readFileSync(path, 'utf8').trim(), 10);
    return Number.isInteger(n) && n > 0 ? n : undefined;
  } catch {
    return undefined;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to someone else, so it is alive.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
