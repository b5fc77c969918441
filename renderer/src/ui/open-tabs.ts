// The page's open session tabs, in one module-level registry: the app adds
// each tab it opens, removes it on close, and says which one is visible.
// The app reads it (numbering tabs to one host, applying a new look), and so
// do the test hooks (renderer/src/testing/test-hooks.ts), which is why it is
// a module of its own: the hooks entry imports it and, built from the same
// Vite build, gets this very instance, so no DOM node has to carry anything.
import type { SessionTab } from './session-tab.js';

export class TabRegistry {
  readonly #tabs: SessionTab[] = [];
  #active: SessionTab | null = null;

  /** Adds `tab`; the returned function removes it. */
  add(tab: SessionTab): () => void {
    this.#tabs.push(tab);
    return () => this.#remove(tab);
  }

  /** `tab` is now the visible one. */
  activate(tab: SessionTab): void {
    if (this.#tabs.includes(tab)) this.#active = tab;
  }

  get active(): SessionTab | null {
    return this.#active;
  }

  /** Every open tab, in the order they were opened. */
  all(): readonly SessionTab[] {
    return [...this.#tabs];
  }

  #remove(tab: SessionTab): void {
    const at = this.#tabs.indexOf(tab);
    if (at >= 0) this.#tabs.splice(at, 1);
    if (this.#active === tab) this.#active = null;
  }
}

export const openTabs = new TabRegistry();
