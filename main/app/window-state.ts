// The main window's size and position, remembered across starts in a small
// JSON file beside the address book. A missing or damaged file, or bounds
// that make no sense, give the default window; nothing here can stop the
// app from starting.
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import type { WindowBounds } from './window.js';

/** A first start's window size, in CSS pixels. */
export const DEFAULT_BOUNDS: WindowBounds = { width: 1200, height: 800 };

const finite = (v: unknown, min: number, max: number): v is number =>
  typeof v === 'number' && Number.isFinite(v) && v >= min && v <= max;

/**
 * The saved window bounds, or DEFAULT_BOUNDS when the file is missing, unreadable, or holds sizes out of range (width
 * 400–16384, height 300–16384). Never throws.
 */
export function loadWindowState(path: string): WindowBounds {
  try {
    const raw = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
    if (!finite(raw['width'], 400, 16384) || !finite(raw['height'], 300, 16384)) return DEFAULT_BOUNDS;
    const bounds: WindowBounds = { width: Math.round(raw['width']), height: Math.round(raw['height']) };
    if (finite(raw['x'], -16384, 16384) && finite(raw['y'], -16384, 16384)) {
      bounds.x = Math.round(raw['x']);
      bounds.y = Math.round(raw['y']);
    }
    if (raw['maximized'] === true) bounds.maximized = true;
    return bounds;
  } catch {
    return DEFAULT_BOUNDS;
  }
}

/**
 * Writes the bounds (0600, temp file and rename). Failures are ignored: losing the window size is not worth an error.
 */
export function saveWindowState(path: string, bounds: WindowBounds): void {
  const tmp = `${path}.${process.pid}.tmp`;
  try {
    writeFileSync(tmp, `${JSON.stringify(bounds)}\n`, { mode: 0o600 });
    renameSync(tmp, path);
  } catch {
    // Remembering the window is a nicety; failing to is not worth an error.
  }
}
