// Passing messages in the corner of the window ("Saved", "Save … to the
// address book"). They stack in one column instead of covering each other,
// and each leaves after a while.
import { el } from '../dom.js';

const LIFETIME_MS = 8000;

/** Shows `content` as a toast (a polite status message); returns the element. */
export function showToast(content: string | HTMLElement, lifetimeMs = LIFETIME_MS): HTMLElement {
  let stack = document.querySelector<HTMLElement>('body > .toasts');
  if (!stack) document.body.append((stack = el('div', { class: 'toasts' })));
  const box = el('div', { class: 'toast', attrs: { role: 'status' } }, content);
  stack.append(box);
  setTimeout(() => box.remove(), lifetimeMs);
  return box;
}
