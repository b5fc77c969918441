// Builds DOM nodes from data, never from HTML strings: text goes in as text
// (textContent / text nodes), so server-controlled strings (banners, desktop
// names, host labels) can never become markup (CVE-2017-18635 class).

type Child = Node | string | number | null | undefined | false;
type Listener = (ev: Event) => void;

export interface ElProps {
  class?: string;
  text?: string;
  attrs?: Record<string, string | number | boolean | null | undefined>;
  on?: Record<string, Listener>;
  dataset?: Record<string, string>;
}

export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: ElProps = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (props.class) node.className = props.class;
  if (props.text !== undefined) node.textContent = props.text;
  for (const [name, value] of Object.entries(props.attrs ?? {})) {
    if (value === null || value === undefined || value === false) continue;
    // Event-handler attributes would be script from a string: never set them.
    if (/^on/i.test(name)) throw new Error(`refusing to set ${name} as an attribute`);
    node.setAttribute(name, value === true ? '' : String(value));
  }
  for (const [k, v] of Object.entries(props.dataset ?? {})) node.dataset[k] = v;
  for (const [type, fn] of Object.entries(props.on ?? {})) node.addEventListener(type, fn);
  append(node, ...children);
  return node;
}

export function append(parent: Node, ...children: Child[]): void {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    parent.appendChild(typeof c === 'string' || typeof c === 'number' ? document.createTextNode(String(c)) : c);
  }
}

/** Offers `blob` as a file the person saves where they like (desktop and browser alike). */
export function downloadBlob(blob: Blob, fileName: string): void {
  const url = URL.createObjectURL(blob);
  const a = el('a', { attrs: { href: url, download: fileName } });
  document.body.append(a);
  a.click();
  a.remove();
  // The download has started by now; the URL is released a little later.
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

export function clear(node: Node): void {
  while (node.firstChild) node.removeChild(node.firstChild);
}

/** A set of disposers run in reverse order (the xterm.js disposable habit). */
export class Disposables {
  readonly #items: Array<() => void> = [];
  add(dispose: () => void): void {
    this.#items.push(dispose);
  }
  listen<T extends EventTarget>(
    target: T,
    type: string,
    fn: (ev: Event) => void,
    opts?: AddEventListenerOptions,
  ): void {
    target.addEventListener(type, fn, opts);
    this.add(() => target.removeEventListener(type, fn, opts));
  }
  dispose(): void {
    while (this.#items.length > 0) {
      const fn = this.#items.pop() as () => void;
      try {
        fn();
      } catch (err) {
        console.error('dispose failed', err);
      }
    }
  }
}
