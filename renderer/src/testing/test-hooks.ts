// Test hooks, for the end-to-end tests and benchmarks only.
//
// Tests need to read what a terminal shows, and xterm.js's WebGL renderer
// draws to a canvas, so there is no DOM text to read. These hooks used to be
// properties attached to each session's panel element (panel.hostdeckText()),
// which put test API on production DOM nodes, where any script in the page
// could find it. Now:
//
// - This file is a second Vite entry (vite.renderer.config.ts and the
//   renderer section of electron.vite.config.ts), built with the page to the
//   stable name assets/test-hooks.js. No page loads it: index.html names only
//   the app's own entry.
// - A test adds it when it wants it:
//     await page.addScriptTag({ url: '/assets/test-hooks.js', type: 'module' });
//   The page's CSP allows 'self' scripts, so nothing is loosened for it.
// - Both entries come out of one Rollup build, so the modules they share
//   (ui/open-tabs.ts, the registry the app records its tabs in) are shared
//   chunks: the hooks import the very instance the running app fills in,
//   and read tabs through their SessionTab interface.
// - What the hooks expose is read-only: the active terminal's text and
//   selection, and every terminal's text. The one thing they change is the
//   wait between automatic reconnect tries, so a test need not sit through
//   real seconds (and never asserts on them).
import { openTabs } from '../ui/open-tabs.js';
import { overrideReconnectSchedule } from '../ui/auto-reconnect.js';

export interface HostdeckTestApi {
  /** The visible tab's terminal buffer as text, one line per row ('' for a desktop or no tab). */
  terminalText(): string;
  /** What is selected in the visible tab's terminal. */
  selection(): string;
  /** Every tab's terminal text (hidden tabs too; '' for desktops), in the order they were opened. */
  allTerminalTexts(): string[];
  /** Waits in ms between automatic reconnect tries instead of 1, 2, 5, 10, 30 s; null restores them. */
  reconnectSchedule(ms: number[] | null): void;
}

declare global {
  interface Window {
    __hostdeckTest?: HostdeckTestApi;
  }
}

window.__hostdeckTest = Object.freeze({
  terminalText: () => openTabs.active?.readout?.text() ?? '',
  selection: () => openTabs.active?.readout?.selection() ?? '',
  allTerminalTexts: () => openTabs.all().map((tab) => tab.readout?.text() ?? ''),
  reconnectSchedule: (ms: number[] | null) => overrideReconnectSchedule(ms),
});
