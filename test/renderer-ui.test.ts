// @vitest-environment jsdom
// The page's building blocks: message catalogs, text-only DOM building, the
// tab strip's keyboard and close behaviour, the VNC security line, the host
// editor ("Require encryption", jump chains), a session tab's lifecycle and
// the test hooks.
import { describe, expect, it, vi } from 'vitest';
import { en } from '../renderer/src/i18n/en.js';
import { zhCN } from '../renderer/src/i18n/zh-CN.js';
import { loadLocale, pickLocale, setLocale, t } from '../renderer/src/i18n/i18n.js';
import { el } from '../renderer/src/dom.js';
import { TabStrip } from '../renderer/src/ui/tab-strip.js';
import { AddressBook } from '../renderer/src/ui/address-book.js';
import { LIMITS, type SavedHost } from '../shared/model/host.js';
import { vncSecurityText } from '../renderer/src/vnc/security-text.js';
import { openHostEditor } from '../renderer/src/ui/host-editor.js';
import type { ApiClient } from '../renderer/src/api/client.js';
import type { SessionTicket } from '../shared/api/contract.js';
import { IllegalTransitionError } from '../shared/state-machine.js';
import { SessionLifecycle } from '../renderer/src/ui/session-lifecycle.js';
import type { SessionTab, SessionTabOptions } from '../renderer/src/ui/session-tab.js';
import { openTabs } from '../renderer/src/ui/open-tabs.js';
import { vncHostInput } from './support/hosts.js';

const placeholders = (s: string): string[] => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1] as string).sort();

describe('message catalogs', () => {
  it('every language has every key, with the same placeholders, and no empty text', () => {
    expect(Object.keys(zhCN).sort()).toEqual(Object.keys(en).sort());
    for (const key of Object.keys(en) as Array<keyof typeof en>) {
      expect(placeholders(zhCN[key]), key).toEqual(placeholders(en[key]));
      expect(zhCN[key].trim(), key).not.toBe('');
    }
  });

  it('picks Simplified Chinese for zh, zh-CN, zh-Hans, zh-SG and English otherwise', () => {
    for (const tag of ['zh', 'zh-CN', 'zh-Hans-CN', 'zh-SG']) expect(pickLocale([tag])).toBe('zh-CN');
    expect(pickLocale(['fr-FR', 'en-GB'])).toBe('en');
    expect(pickLocale(['de'])).toBe('en');
    expect(pickLocale([])).toBe('en');
  });

  it('fills placeholders as plain text', async () => {
    await loadLocale('zh-CN');
    expect(t('tabs.close', { name: '<b>web</b>' })).toBe('关闭 <b>web</b>');
    setLocale('en');
    expect(t('tabs.close', { name: 'web-1' })).toBe('Close web-1');
  });
});

describe('el()', () => {
  it('puts strings in as text, never markup, and refuses event-handler attributes', () => {
    const hostile = '<img src=x onerror=alert(1)>';
    const node = el('div', { text: hostile, attrs: { title: hostile } }, hostile);
    expect(node.querySelector('img')).toBeNull();
    expect(node.textContent).toBe(hostile + hostile);
    expect(() => el('div', { attrs: { onclick: 'alert(1)' } })).toThrow(/refusing/);
  });
});

describe('TabStrip', () => {
  function strip(): { tabs: TabStrip; closed: string[]; add(id: string): void } {
    const closed: string[] = [];
    const tabs = new TabStrip(window);
    document.body.append(tabs.element);
    return {
      tabs,
      closed,
      add: (id) => tabs.add({ id, title: `host ${id}`, kind: 'ssh', panel: el('div'), onClose: () => closed.push(id) }),
    };
  }
  const key = (k: string, mods: KeyboardEventInit = {}): void => {
    window.dispatchEvent(
      new KeyboardEvent('keydown', { key: k, ctrlKey: true, bubbles: true, cancelable: true, ...mods }),
    );
  };

  it('is an ARIA tablist whose tabs name their panels and their close buttons', () => {
    const { tabs, add } = strip();
    add('a');
    const tab = tabs.element.querySelector('[role=tab]') as HTMLElement;
    expect(tabs.element.querySelector('[role=tablist]')?.getAttribute('aria-label')).toBe('Open sessions');
    expect(tab.getAttribute('aria-selected')).toBe('true');
    const panel = document.getElementById(tab.getAttribute('aria-controls') ?? '');
    expect(panel?.getAttribute('role')).toBe('tabpanel');
    // The close button is the tab's sibling, never inside it (a control inside a control).
    expect(tab.parentElement?.querySelector(':scope > .tab-close')?.getAttribute('aria-label')).toBe('Close host a');
    expect(tab.querySelector('button')).toBeNull();
    // The tablist owns its tabs (aria-owns), and only them.
    expect(tabs.element.querySelector('[role=tablist]')?.getAttribute('aria-owns')).toBe(tab.id);
    tabs.dispose();
  });

  it('Ctrl+Tab, Ctrl+PageUp/Down, Ctrl+1…9 switch; Ctrl+W closes outside a terminal, Ctrl+Shift+W inside', () => {
    const { tabs, closed, add } = strip();
    for (const id of ['a', 'b', 'c']) add(id);
    expect(tabs.activeId).toBe('c');
    key('Tab');
    expect(tabs.activeId).toBe('a');
    key('Tab', { shiftKey: true });
    expect(tabs.activeId).toBe('c');
    key('2');
    expect(tabs.activeId).toBe('b');
    key('9');
    expect(tabs.activeId).toBe('c');
    // Inside a terminal Ctrl+W belongs to the shell; Ctrl+Shift+W closes.
    const xterm = document.createElement('div');
    xterm.className = 'xterm';
    const textarea = document.createElement('textarea');
    xterm.append(textarea);
    document.body.append(xterm);
    textarea.dispatchEvent(new KeyboardEvent('keydown', { key: 'w', ctrlKey: true, bubbles: true, cancelable: true }));
    expect(closed).toEqual([]);
    textarea.dispatchEvent(
      new KeyboardEvent('keydown', { key: 'W', ctrlKey: true, shiftKey: true, bubbles: true, cancelable: true }),
    );
    expect(closed).toEqual(['c']);
    xterm.remove();
    expect(tabs.ids).toEqual(['a', 'b']);
    key('PageUp');
    expect(tabs.activeId).toBe('a');
    key('PageDown');
    expect(tabs.activeId).toBe('b');
    // Outside a terminal, plain Ctrl+W closes.
    key('w');
    expect(closed).toEqual(['c', 'b']);
    expect(tabs.activeId).toBe('a');
    tabs.dispose();
    expect(closed).toEqual(['c', 'b', 'a']);
  });

  it('shows reconnect only when disconnected and a reconnect exists', () => {
    const { tabs } = strip();
    const onReconnect = vi.fn();
    tabs.add({ id: 'r', title: 'r', kind: 'vnc', panel: el('div'), onClose: () => undefined, onReconnect });
    const button = tabs.element.querySelector('.tab-reconnect') as HTMLButtonElement;
    expect(button.hidden).toBe(true);
    tabs.setStatus('r', 'disconnected');
    expect(button.hidden).toBe(false);
    button.click();
    expect(onReconnect).toHaveBeenCalledOnce();
    tabs.setStatus('r', 'connected');
    expect(button.hidden).toBe(true);
    tabs.dispose();
  });
});

describe('AddressBook', () => {
  const host = (id: string, name: string, folder: string[], extra: Partial<SavedHost> = {}): SavedHost => ({
    id,
    name,
    protocol: 'ssh',
    address: `${id}.example.net`,
    port: 22,
    folder,
    tags: [],
    notes: '',
    createdAt: '2026-01-01T00:00:00Z',
    updatedAt: '2026-01-01T00:00:00Z',
    hasSecret: { password: false, passphrase: false, vncPassword: false },
    ...extra,
  });
  const make = (): { book: AddressBook; calls: string[] } => {
    const calls: string[] = [];
    const book = new AddressBook({
      connect: (h) => calls.push(`connect ${h.id}`),
      edit: (h) => calls.push(`edit ${h.id}`),
      duplicate: (h) => calls.push(`duplicate ${h.id}`),
      remove: (h) => calls.push(`remove ${h.id}`),
      move: (h, f) => calls.push(`move ${h.id} ${f.join('/')}`),
    });
    document.body.append(book.element);
    book.setData(
      [
        host('a', 'prod-web', ['prod']),
        host('b', 'proxy-eu', ['prod', 'eu'], { lastConnectedAt: '2026-11-01T00:00:00Z' }),
        host('c', '<b>db</b>', []),
      ],
      [{ path: ['prod'], defaults: {} }],
    );
    return { book, calls };
  };
  const rows = (book: AddressBook): string[] =>
    [...book.element.querySelectorAll('[role=treeitem] .book-name')].map((n) => n.textContent ?? '');
  const press = (target: Element, key: string, mods: KeyboardEventInit = {}): void => {
    target.dispatchEvent(new KeyboardEvent('keydown', { key, bubbles: true, cancelable: true, ...mods }));
  };

  it('shows nested folders as a tree with levels, and host names as text', () => {
    const { book } = make();
    expect(rows(book)).toEqual(['prod', 'eu', 'proxy-eu', 'prod-web', '<b>db</b>']);
    const levels = [...book.element.querySelectorAll('[role=treeitem]')].map((n) => n.getAttribute('aria-level'));
    expect(levels).toEqual(['1', '2', '3', '2', '1']);
    expect(book.element.querySelector('b')).toBeNull();
    book.dispose();
  });

  it('searches as you type, forgiving a typo', () => {
    const { book } = make();
    book.search.value = 'porxy';
    book.search.dispatchEvent(new Event('input'));
    expect(rows(book)).toEqual(['proxy-eu']);
    book.search.value = 'nothing-like-it';
    book.search.dispatchEvent(new Event('input'));
    expect(rows(book)).toEqual([]);
    expect(book.element.textContent).toContain('No host matches');
    book.dispose();
  });

  it('keyboard: arrows move, Left folds, Enter connects, F2 edits, Delete removes, Ctrl+D duplicates', () => {
    const { book, calls } = make();
    const tree = book.element.querySelector('[role=tree]') as HTMLElement;
    const selected = (): string =>
      book.element.querySelector('[role=treeitem][aria-selected=true] .book-name')?.textContent ?? '';
    expect(selected()).toBe('prod');
    press(tree, 'ArrowDown');
    press(tree, 'ArrowDown');
    expect(selected()).toBe('proxy-eu');
    const actions = book.element.querySelector('[role=toolbar]') as HTMLElement;
    expect(actions.getAttribute('aria-label')).toBe('Actions for proxy-eu');
    press(tree, 'Enter');
    press(tree, 'F2');
    press(tree, 'd', { ctrlKey: true });
    press(tree, 'Delete');
    expect(calls).toEqual(['connect b', 'edit b', 'duplicate b', 'remove b']);
    press(tree, 'ArrowLeft');
    expect(selected()).toBe('eu');
    press(tree, 'ArrowLeft');
    expect(rows(book)).toEqual(['prod', 'eu', 'prod-web', '<b>db</b>']);
    (actions.querySelectorAll('button')[0] as HTMLButtonElement).click();
    expect((actions.querySelectorAll('button')[0] as HTMLButtonElement).disabled).toBe(true);
    book.dispose();
  });

  it('orders a folder by most recently used when asked (search results stay by relevance)', () => {
    const { book } = make();
    book.setData([host('c', 'alpha', []), host('d', 'zeta', [], { lastConnectedAt: '2026-11-20T00:00:00Z' })], []);
    expect(rows(book)).toEqual(['alpha', 'zeta']);
    const order = book.element.querySelector('select') as HTMLSelectElement;
    order.value = 'recent';
    order.dispatchEvent(new Event('change'));
    expect(rows(book)).toEqual(['zeta', 'alpha']);
    book.dispose();
  });
});

describe('quick connect syntax', () => {
  it('takes host, user@host, user@host:port, [v6], ssh://; refuses junk', async () => {
    const { parseQuickTarget } = await import('../renderer/src/app.js');
    expect(parseQuickTarget('web-1')).toEqual({ username: '', host: 'web-1', port: 22 });
    expect(parseQuickTarget('ops@web-1')).toEqual({ username: 'ops', host: 'web-1', port: 22 });
    expect(parseQuickTarget(' ops@10.0.0.5:2222 ')).toEqual({ username: 'ops', host: '10.0.0.5', port: 2222 });
    expect(parseQuickTarget('ssh://ops@[2001:db8::1]:2200')).toEqual({
      username: 'ops',
      host: '2001:db8::1',
      port: 2200,
    });
    expect(parseQuickTarget('ssh://web-1/')).toEqual({ username: '', host: 'web-1', port: 22 });
    // Bare IPv6, as ssh(1) takes it: the colons belong to the address, port 22.
    expect(parseQuickTarget('::1')).toEqual({ username: '', host: '::1', port: 22 });
    expect(parseQuickTarget('alice@::1')).toEqual({ username: 'alice', host: '::1', port: 22 });
    expect(parseQuickTarget('ssh://alice@FE80::1')).toEqual({ username: 'alice', host: 'fe80::1', port: 22 });
    expect(parseQuickTarget('alice@[::1]:2222')).toEqual({ username: 'alice', host: '::1', port: 2222 });
    for (const bad of [
      '',
      'ops@',
      '@web',
      'web:0',
      'web:70000',
      'a b',
      'vnc://web',
      'ops@web:22:33',
      ':::1',
      'alice@1:2:3:4:5:6:7:8:9',
    ])
      expect(parseQuickTarget(bad), bad).toBeNull();
  });
});

describe('VNC security line', () => {
  const base = { security: 'vnc-auth', encrypted: false, passthrough: false } as const;

  it('says honestly what protects the wire, in English and Chinese', async () => {
    setLocale('en');
    expect(vncSecurityText({ ...base, security: 'vencrypt-x509-vnc', encrypted: true, wire: 'tls' })).toBe(
      'Encrypted (vencrypt-x509-vnc).',
    );
    expect(vncSecurityText({ ...base, wire: 'none' })).toBe(
      'Not encrypted (vnc-auth): the screen and what you type cross the network in the clear.',
    );
    expect(vncSecurityText({ ...base, wire: 'none', anonymousTlsSkipped: ['TLSVnc'] })).toBe(
      'Not encrypted (vnc-auth): the screen and what you type cross the network in the clear. The server’s TLS (TLSVnc) is anonymous, which this app cannot use: enable X509 on the server, or connect through SSH.',
    );
    expect(
      vncSecurityText({ ...base, encrypted: true, wire: 'ssh', via: 'bastion', anonymousTlsSkipped: ['TLSVnc'] }),
    ).toBe('Encrypted by SSH through bastion (vnc-auth).');
    expect(vncSecurityText({ ...base, wire: 'ssh-partial', via: 'bastion', target: '10.0.0.5:5901' })).toBe(
      'Encrypted by SSH only as far as bastion; not encrypted from there to 10.0.0.5:5901 (vnc-auth).',
    );
    expect(vncSecurityText({ ...base, security: 'passthrough', passthrough: true, wire: 'none' })).toMatch(
      /^Not encrypted \(passthrough\): .* This server’s login is handled by the page/,
    );
    await loadLocale('zh-CN');
    expect(vncSecurityText({ ...base, security: 'vencrypt-x509-vnc', encrypted: true, wire: 'tls' })).toBe(
      '已加密（vencrypt-x509-vnc）。',
    );
    expect(vncSecurityText({ ...base, wire: 'none', anonymousTlsSkipped: ['TLSVnc'] })).toBe(
      '未加密（vnc-auth）：屏幕内容和您输入的内容以明文在网络上传输。服务器的 TLS（TLSVnc）是匿名 TLS，本应用无法使用：请在服务器上启用 X509，或通过 SSH 连接。',
    );
    expect(vncSecurityText({ ...base, wire: 'ssh-partial', via: 'bastion', target: '10.0.0.5:5901' })).toBe(
      '仅到 bastion 的一段由 SSH 加密；从那里到 10.0.0.5:5901 未加密（vnc-auth）。',
    );
    setLocale('en');
  });
});

// jsdom has <dialog> but not its modal methods.
HTMLDialogElement.prototype.showModal ??= function (this: HTMLDialogElement) {
  this.setAttribute('open', '');
};
HTMLDialogElement.prototype.close ??= function (this: HTMLDialogElement) {
  this.removeAttribute('open');
  this.dispatchEvent(new Event('close'));
};

/** Opens the editor on `host` (or a new one) over a recording API; `others` are the rest of the book. */
function editor(
  host?: SavedHost,
  others: SavedHost[] = [],
): { dialog: HTMLDialogElement; calls: Array<[string, unknown[]]> } {
  const calls: Array<[string, unknown[]]> = [];
  const api = {
    call: async (method: string, ...args: unknown[]) => {
      calls.push([method, args]);
      if (method === 'secrets.status') return { locked: false };
      return {
        ...(args[0] as object),
        id: 'new',
        hasSecret: { password: false, passphrase: false, vncPassword: false },
        createdAt: '',
        updatedAt: '',
      };
    },
  } as unknown as ApiClient;
  const hosts = [...others, ...(host ? [host] : [])];
  const dialog = openHostEditor({ api, hosts, folders: [], ...(host ? { host } : {}), onSaved: () => undefined });
  return { dialog, calls };
}
const control = (dialog: HTMLElement, label: string): HTMLInputElement => {
  const l = [...dialog.querySelectorAll('label')].find((x) => x.textContent === label);
  expect(l, label).toBeDefined();
  return document.getElementById((l as HTMLLabelElement).htmlFor) as HTMLInputElement;
};
/** The host sent to main by the last `method` call. */
const sent = <T>(calls: Array<[string, unknown[]]>, method: string): T =>
  (calls.filter(([m]) => m === method).at(-1) as [string, [T]])[1][0];

describe('host editor: "Require encryption"', () => {
  it('is a labelled, focusable checkbox with its hint, shown for VNC hosts only, and saved when ticked', async () => {
    setLocale('en');
    const { dialog, calls } = editor();
    const box = control(dialog, 'Require encryption');
    expect(box.type).toBe('checkbox');
    expect(box.labels?.[0]?.textContent).toBe('Require encryption');
    expect(box.tabIndex).toBe(0);
    expect(document.getElementById(box.getAttribute('aria-describedby')?.split(' ')[0] ?? '')?.textContent).toMatch(
      /Refuse to connect rather than log in unencrypted/,
    );
    const row = box.closest('.form-row') as HTMLElement;
    expect(row.hidden).toBe(true);
    const protocol = control(dialog, 'Protocol') as unknown as HTMLSelectElement;
    protocol.value = 'vnc';
    protocol.dispatchEvent(new Event('change'));
    expect(row.hidden).toBe(false);
    expect(box.checked).toBe(false);
    control(dialog, 'Name').value = 'desk';
    control(dialog, 'Address').value = 'desk.example.com';
    box.focus();
    expect(document.activeElement).toBe(box);
    box.click();
    expect(box.checked).toBe(true);
    (dialog.querySelector('button[type=submit]') as HTMLButtonElement).click();
    await vi.waitFor(() => expect(calls.some(([m]) => m === 'hosts.create')).toBe(true));
    const [, [saved]] = calls.find(([m]) => m === 'hosts.create') as [string, [{ vnc: Record<string, unknown> }]];
    expect(saved.vnc).toMatchObject({ requireEncryption: true });
    dialog.remove();
  });

  it("shows a saved host's setting, and unticking it saves the host without it", async () => {
    setLocale('en');
    const host: SavedHost = {
      ...vncHostInput('desk', { host: 'desk.example.com', port: 5900 }, { requireEncryption: true }),
      id: 'd1',
      createdAt: '',
      updatedAt: '',
      hasSecret: { password: false, passphrase: false, vncPassword: false },
    };
    const { dialog, calls } = editor(host);
    const box = control(dialog, 'Require encryption');
    expect(box.checked).toBe(true);
    box.click();
    (dialog.querySelector('button[type=submit]') as HTMLButtonElement).click();
    await vi.waitFor(() => expect(calls.some(([m]) => m === 'hosts.update')).toBe(true));
    const [, [saved]] = calls.find(([m]) => m === 'hosts.update') as [string, [{ vnc: Record<string, unknown> }]];
    expect(saved.vnc).not.toHaveProperty('requireEncryption');
    dialog.remove();
  });
});

// Jump-chain helpers: SSH hosts to hop through, the editor's buttons by name, the chain as shown.
const sshHost = (id: string, extra: Partial<SavedHost> = {}): SavedHost => ({
  id,
  name: id,
  protocol: 'ssh',
  address: `${id}.example.net`,
  port: 22,
  folder: [],
  tags: [],
  notes: '',
  createdAt: '',
  updatedAt: '',
  hasSecret: { password: false, passphrase: false, vncPassword: false },
  ...extra,
});
const hops = Array.from({ length: LIMITS.jumpChain }, (_, i) => sshHost(`hop${i + 1}`));
const button = (dialog: HTMLElement, name: string): HTMLButtonElement => {
  const b = [...dialog.querySelectorAll('button')].find(
    (x) => (x.getAttribute('aria-label') ?? x.textContent) === name,
  );
  expect(b, name).toBeDefined();
  return b as HTMLButtonElement;
};
const chainShown = (dialog: HTMLElement): string[] =>
  Array.from({ length: LIMITS.jumpChain + 1 }, (_, i) =>
    [...dialog.querySelectorAll('label')].find((l) => l.textContent === `Jump host ${i + 1}`),
  )
    .filter((l): l is HTMLLabelElement => l !== undefined)
    .map((l) => (document.getElementById(l.htmlFor) as HTMLSelectElement).value);
const save = async (dialog: HTMLElement, calls: Array<[string, unknown[]]>, method: string): Promise<void> => {
  (dialog.querySelector('button[type=submit]') as HTMLButtonElement).click();
  await vi.waitFor(() => expect(calls.some(([m]) => m === method)).toBe(true));
};

describe('host editor: jump chains of any length', () => {
  for (const length of [3, LIMITS.jumpChain]) {
    it(`saving a host with ${length} hops keeps every hop, in order`, async () => {
      setLocale('en');
      const chain = hops
        .slice(0, length)
        .map((x) => x.id)
        .reverse();
      const { dialog, calls } = editor(sshHost('target', { jumpChain: chain }), hops);
      expect(chainShown(dialog)).toEqual(chain);
      await save(dialog, calls, 'hosts.update');
      expect(sent<SavedHost>(calls, 'hosts.update').jumpChain).toEqual(chain);
      dialog.remove();
    });
  }

  it("adds, reorders and removes hops with named buttons, up to the model's limit", async () => {
    setLocale('en');
    const { dialog, calls } = editor(sshHost('target', { jumpChain: ['hop1'] }), hops);
    const add = button(dialog, 'Add jump host');
    add.click();
    const second = control(dialog, 'Jump host 2') as unknown as HTMLSelectElement;
    expect(document.activeElement).toBe(second);
    second.value = 'hop2';
    second.dispatchEvent(new Event('change', { bubbles: true }));
    expect(chainShown(dialog)).toEqual(['hop1', 'hop2']);
    // Moving keeps focus on the control that moved, under its new name.
    const up = button(dialog, 'Move jump host 2 up');
    up.focus();
    up.click();
    expect(chainShown(dialog)).toEqual(['hop2', 'hop1']);
    // At the top "Move up" no longer applies, so focus goes to the hop's own select.
    expect(document.activeElement).toBe(control(dialog, 'Jump host 1'));
    button(dialog, 'Move jump host 1 down').click();
    expect(chainShown(dialog)).toEqual(['hop1', 'hop2']);
    button(dialog, 'Remove jump host 1').click();
    expect(chainShown(dialog)).toEqual(['hop2']);
    for (let n = 2; n <= LIMITS.jumpChain; n++) {
      add.click();
      const s = control(dialog, `Jump host ${n}`) as unknown as HTMLSelectElement;
      s.value = `hop${n === 2 ? 1 : n}`;
      s.dispatchEvent(new Event('change', { bubbles: true }));
    }
    expect(add.disabled).toBe(true);
    expect(chainShown(dialog)).toHaveLength(LIMITS.jumpChain);
    await save(dialog, calls, 'hosts.update');
    expect(sent<SavedHost>(calls, 'hosts.update').jumpChain).toEqual([
      'hop2',
      'hop1',
      'hop3',
      'hop4',
      'hop5',
      'hop6',
      'hop7',
      'hop8',
    ]);
    dialog.remove();
  });

  it('keeps a hop that is no longer a saved host, and says so, instead of dropping it', async () => {
    setLocale('en');
    const { dialog, calls } = editor(sshHost('target', { jumpChain: ['hop1', 'gone', 'hop2'] }), hops);
    expect(chainShown(dialog)).toEqual(['hop1', 'gone', 'hop2']);
    (dialog.querySelector('button[type=submit]') as HTMLButtonElement).click();
    const gone = control(dialog, 'Jump host 2');
    await vi.waitFor(() => expect(gone.hasAttribute('aria-invalid')).toBe(true));
    expect(
      document.getElementById(gone.getAttribute('aria-describedby')?.split(' ').at(-1) ?? '')?.textContent,
    ).toMatch(/not a saved host/);
    expect(calls.some(([m]) => m === 'hosts.update')).toBe(false);
    button(dialog, 'Remove jump host 2').click();
    await save(dialog, calls, 'hosts.update');
    expect(sent<SavedHost>(calls, 'hosts.update').jumpChain).toEqual(['hop1', 'hop2']);
    dialog.remove();
  });

  it("a new host with no hops stays without a chain (the folder's default applies)", async () => {
    setLocale('en');
    const { dialog, calls } = editor(undefined, hops);
    expect(chainShown(dialog)).toEqual([]);
    control(dialog, 'Name').value = 'fresh';
    control(dialog, 'Address').value = 'fresh.example.net';
    await save(dialog, calls, 'hosts.create');
    expect(sent<SavedHost>(calls, 'hosts.create')).not.toHaveProperty('jumpChain');
    dialog.remove();
  });
});

describe('session tab lifecycle', () => {
  const ticket = (n: number): SessionTicket => ({
    sessionId: `s${n}`,
    kind: 'ssh',
    url: `ws://127.0.0.1:1/t${n}`,
    title: 'rig',
  });
  function setup(open: SessionTabOptions['open']): {
    life: SessionLifecycle;
    calls: Array<[string, unknown[]]>;
    statuses: string[];
    attached: string[];
  } {
    const calls: Array<[string, unknown[]]> = [];
    const api = {
      call: async (method: string, ...args: unknown[]) => void calls.push([method, args]),
    } as unknown as ApiClient;
    const statuses: string[] = [];
    const attached: string[] = [];
    const surface = {
      size: () => ({ cols: 80, rows: 24 }),
      attach: (t: SessionTicket) => void attached.push(t.url),
      detach: () => undefined,
      focus: () => undefined,
    };
    const life = new SessionLifecycle(
      { api, title: 'rig', open, onStatus: (s) => statuses.push(s), onTitle: () => undefined },
      surface,
    );
    document.body.append(life.banner);
    return { life, calls, statuses, attached };
  }

  it('opens, attaches, connects, ends with a Reconnect button, and reopens; the strip follows each state', async () => {
    setLocale('en');
    let n = 0;
    const { life, calls, statuses, attached } = setup(async () => ticket(++n));
    const opening = life.open();
    expect(life.state).toBe('opening');
    expect(life.banner.textContent).toBe('Connecting to rig…');
    await opening;
    expect(life.state).toBe('attaching');
    expect(attached).toEqual(['ws://127.0.0.1:1/t1']);
    life.connected();
    expect(life.end('The shell exited with status 0.')).toBe(true);
    expect(life.state).toBe('ended');
    expect(statuses).toEqual(['connecting', 'connecting', 'connected', 'disconnected']);
    const reconnect = life.banner.querySelector('button') as HTMLButtonElement;
    expect(reconnect.textContent).toBe('Reconnect');
    reconnect.click();
    await vi.waitFor(() => expect(life.state).toBe('attaching'));
    expect(attached).toEqual(['ws://127.0.0.1:1/t1', 'ws://127.0.0.1:1/t2']);
    // Once ended, the first session is not closed again; the open one is, once.
    life.close();
    life.close();
    expect(calls).toEqual([['sessions.close', ['s2']]]);
    expect(life.state).toBe('closed');
    life.banner.remove();
  });

  it('refuses moves its table does not allow, and does not reopen while open', async () => {
    const { life } = setup(() => new Promise<SessionTicket>(() => undefined));
    expect(() => life.connected()).toThrow(IllegalTransitionError);
    expect(life.state).toBe('idle');
    void life.open();
    await life.open();
    expect(life.state).toBe('opening');
    life.close();
    life.banner.remove();
  });

  it('closed while main is opening: cancels the open, closes the session if it arrives anyway, and shows nothing more', async () => {
    let arrive: (t: SessionTicket) => void = () => undefined;
    const { life, calls } = setup(() => new Promise<SessionTicket>((resolve) => (arrive = resolve)));
    const opening = life.open();
    life.close();
    expect(calls).toEqual([['sessions.cancel', [expect.stringMatching(/^open-/)]]]);
    arrive(ticket(1));
    await opening;
    expect(calls.at(-1)).toEqual(['sessions.close', ['s1']]);
    expect(life.end('late')).toBe(false);
    expect(life.state).toBe('closed');
    life.banner.remove();
  });

  it('a failed open ends the tab with the reason and a way to try again', async () => {
    setLocale('en');
    const { life, statuses } = setup(async () => {
      throw new Error('connection refused');
    });
    await life.open();
    expect(life.state).toBe('ended');
    expect(life.banner.textContent).toBe('Could not connect to rig: connection refusedReconnect');
    expect(statuses).toEqual(['connecting', 'disconnected']);
    life.close();
    life.banner.remove();
  });
});

describe('test hooks', () => {
  const fakeTab = (kind: 'ssh' | 'vnc', text: string | null): SessionTab =>
    ({
      kind,
      element: el('div'),
      readout: text === null ? null : { text: () => text, selection: () => `selected ${text}` },
    }) as unknown as SessionTab;

  it('read terminals through the tab registry the app fills in, not through DOM nodes', async () => {
    await import('../renderer/src/testing/test-hooks.js');
    const hooks = window.__hostdeckTest as NonNullable<typeof window.__hostdeckTest>;
    expect(Object.isFrozen(hooks)).toBe(true);
    expect(hooks.terminalText()).toBe('');
    const ssh = fakeTab('ssh', 'alpha');
    const vnc = fakeTab('vnc', null);
    const removeSsh = openTabs.add(ssh);
    const removeVnc = openTabs.add(vnc);
    openTabs.activate(ssh);
    expect(hooks.terminalText()).toBe('alpha');
    expect(hooks.selection()).toBe('selected alpha');
    openTabs.activate(vnc);
    expect(hooks.terminalText()).toBe('');
    expect(hooks.allTerminalTexts()).toEqual(['alpha', '']);
    removeVnc();
    expect(openTabs.active).toBeNull();
    removeSsh();
    expect(hooks.allTerminalTexts()).toEqual([]);
    expect(Object.getOwnPropertyNames(ssh.element)).toEqual([]);
  });
});

describe('small things people hit', () => {
  it('two toasts stack in one column instead of covering each other', async () => {
    const { showToast } = await import('../renderer/src/ui/toasts.js');
    const a = showToast('Save a to the address book', 60_000);
    const b = showToast('Save b to the address book', 60_000);
    const stacks = document.querySelectorAll('body > .toasts');
    expect(stacks).toHaveLength(1);
    expect([...(stacks[0]?.children ?? [])]).toEqual([a, b]);
    a.remove();
    b.remove();
  });

  it('a VNC password longer than 8 characters says the rest is ignored, as it is typed', async () => {
    setLocale('en');
    const { vncLengthNote } = await import('../renderer/src/ui/prompts.js');
    const input = document.createElement('input');
    const note = vncLengthNote(input);
    input.value = '12345678';
    input.dispatchEvent(new Event('input'));
    expect(note.textContent).toBe('');
    input.value = '123456789';
    input.dispatchEvent(new Event('input'));
    expect(note.textContent).toBe('VNC uses only the first 8 characters of a password; the rest are ignored.');
    expect(note.getAttribute('aria-live')).toBe('polite');
  });
});
