// Cooperative time slicing for imports that run in the main process. Once
// the import is linear, 10,000 hosts take a fraction of a second; cutting
// that into slices of a few milliseconds keeps IPC, the gateway and serve
// mode answering meanwhile (before this, a static GET waited 53.8 s behind a
// preview). A worker thread was the alternative, but it needs its own entry
// in both bundles (electron-vite and serve's esbuild) and a copy of every
// draft across the thread boundary, for work that is this short.

/**
 * Cooperative time-slicing for long imports: run for `budgetMs` (default 8 ms), then yield so IPC and timers are not
 * starved.
 */
export class Slicer {
  #start = performance.now();
  #checks = 0;

  readonly #budgetMs: number;

  /** @param budgetMs how long to run before giving the event loop a turn. */
  constructor(budgetMs = 8) {
    this.#budgetMs = budgetMs;
  }

  /** Cheap enough to call per item: looks at the clock every 64 calls. */
  due(): boolean {
    if ((++this.#checks & 63) !== 0) return false;
    return performance.now() - this.#start >= this.#budgetMs;
  }

  /** Lets timers, I/O and IPC run (setImmediate: after pending I/O callbacks). */
  async yield(): Promise<void> {
    await new Promise<void>((resolve) => setImmediate(resolve));
    this.#start = performance.now();
  }
}
