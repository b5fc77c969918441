// What the virtualised lists share (the address book, and the files panel's
// folder grid and transfers drawer): drawing at most once per animation
// frame, and the window of fixed-height rows to keep in the DOM for where the
// viewport is scrolled.

/** Runs `draw` once on the next animation frame however often it is asked for; cancel() on dispose. */
export class FrameTask {
  readonly #draw: () => void;
  #frame = 0;

  constructor(draw: () => void) {
    this.#draw = draw;
  }

  schedule(): void {
    if (this.#frame) return;
    this.#frame = requestAnimationFrame(() => {
      this.#frame = 0;
      this.#draw();
    });
  }

  cancel(): void {
    cancelAnimationFrame(this.#frame);
    this.#frame = 0;
  }
}

/**
 * Rows [first, last) of `total` rows of `rowHeight` px that are in view in
 * `viewport`, `overscan` more either side; `fallbackHeight` px when the
 * viewport is not laid out yet (hidden).
 */
export function rowWindow(
  viewport: HTMLElement,
  rowHeight: number,
  total: number,
  overscan: number,
  fallbackHeight: number,
): { first: number; count: number } {
  const height = viewport.clientHeight || fallbackHeight;
  const first = Math.max(0, Math.floor(viewport.scrollTop / rowHeight) - overscan);
  const last = Math.min(total, Math.ceil((viewport.scrollTop + height) / rowHeight) + overscan);
  return { first, count: Math.max(0, last - first) };
}
