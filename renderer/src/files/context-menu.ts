// A small WAI-ARIA menu (role=menu, menuitems, roving tabindex): arrow keys,
// Home/End, Enter/Space to choose, Esc or a click elsewhere to close, focus
// back to where it came from. Each item also names its shortcut.
import { Disposables, el } from '../dom.js';

export interface MenuItem {
  label: string;
  /** Shown beside the label and as aria-keyshortcuts ("F2", "Delete"). */
  keys?: string;
  disabled?: boolean;
  run(): void;
}

let open: { close(): void } | null = null;

export function openMenu(label: string, items: MenuItem[], x: number, y: number): void {
  open?.close();
  const before = document.activeElement as HTMLElement | null;
  const d = new Disposables();
  const buttons = items.map((item) =>
    el(
      'div',
      {
        class: 'files-menuitem',
        attrs: {
          role: 'menuitem',
          tabindex: -1,
          'aria-disabled': item.disabled ? 'true' : null,
          'aria-keyshortcuts': item.keys ?? null,
        },
      },
      el('span', { text: item.label }),
      item.keys ? el('kbd', { text: item.keys }) : null,
    ),
  );
  const menu = el('div', { class: 'files-menu', attrs: { role: 'menu', 'aria-label': label } }, ...buttons);
  const close = (refocus = true): void => {
    if (open !== handle) return;
    open = null;
    d.dispose();
    menu.remove();
    if (refocus) before?.focus();
  };
  const handle = { close: () => close() };
  const choose = (i: number): void => {
    const item = items[i];
    if (!item || item.disabled) return;
    close();
    item.run();
  };
  const focusAt = (i: number): void => buttons[(i + buttons.length) % buttons.length]?.focus();
  buttons.forEach((b, i) => b.addEventListener('click', () => choose(i)));
  menu.addEventListener('keydown', (ev) => {
    const at = buttons.indexOf(document.activeElement as HTMLDivElement);
    if (ev.key === 'ArrowDown') focusAt(at + 1);
    else if (ev.key === 'ArrowUp') focusAt(at - 1);
    else if (ev.key === 'Home') focusAt(0);
    else if (ev.key === 'End') focusAt(buttons.length - 1);
    else if (ev.key === 'Enter' || ev.key === ' ') choose(at);
    else if (ev.key === 'Escape' || ev.key === 'Tab') close();
    else return;
    ev.preventDefault();
    ev.stopPropagation();
  });
  document.body.append(menu);
  const r = menu.getBoundingClientRect();
  menu.style.left = `${Math.max(0, Math.min(x, innerWidth - r.width))}px`;
  menu.style.top = `${Math.max(0, Math.min(y, innerHeight - r.height))}px`;
  d.listen(
    document,
    'pointerdown',
    (ev) => {
      if (!menu.contains(ev.target as Node)) close(false);
    },
    { capture: true },
  );
  open = handle;
  focusAt(items.findIndex((i) => !i.disabled));
}
