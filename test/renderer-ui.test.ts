// @vitest-environment jsdom
// The page's building blocks: message catalogs, text-only DOM building, and
// the tab strip's keyboard and close behaviour.
import { describe, expect, it, vi } from 'vitest';
import { en } from '../renderer/src/i18n/en.js';
import { zhCN } from '../renderer/src/i18n/zh-CN.js';
import { pickLocale, setLocale, t } from '../renderer/src/i18n/i18n.js';
import { el } from '../renderer/src/dom.js';
import { TabStrip } from '../renderer/src/ui/tab-strip.js';

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

  it('fills placeholders as plain text', () => {
    setLocale('zh-CN');
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
    window.dispatchEvent(new KeyboardEvent('keydown', { key: k, ctrlKey: true, bubbles: true, cancelable: true, ...mods }));
  };

  it('is an ARIA tablist whose tabs name their panels and their close buttons', () => {
    const { tabs, add } = strip();
    add('a');
    const tab = tabs.element.querySelector('[role=tab]') as HTMLElement;
    expect(tabs.element.querySelector('[role=tablist]')?.getAttribute('aria-label')).toBe('Open sessions');
    expect(tab.getAttribute('aria-selected')).toBe('true');
    const panel = document.getElementById(tab.getAttribute('aria-controls') ?? '');
    expect(panel?.getAttribute('role')).toBe('tabpanel');
    expect(tab.querySelector('.tab-close')?.getAttribute('aria-label')).toBe('Close host a');
    tabs.dispose();
  });

  it('Ctrl+Tab, Ctrl+Shift+Tab, Ctrl+1…9 switch; Ctrl+W closes and frees the session', () => {
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
    key('w');
    expect(closed).toEqual(['c']);
    expect(tabs.ids).toEqual(['a', 'b']);
    expect(tabs.activeId).toBe('b');
    tabs.dispose();
    expect(closed).toEqual(['c', 'a', 'b']);
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
