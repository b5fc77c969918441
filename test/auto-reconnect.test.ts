// @vitest-environment jsdom
// Reconnecting by itself, on the page's side, with fake timers (no test
// waits real seconds or asserts wall-clock times): the backoff 1, 2, 5, 10,
// 30 s; which failures stop it for good (a refused login, a changed host
// key, a refused certificate); Cancel; "try now" on the network coming back;
// the host's choice over the settings'; Reconnect all in the tab strip.
// test/reconnect-e2e.test.ts does the same against a real sshd.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ApiCallError, type ApiClient } from '../renderer/src/api/client.js';
import { setLocale } from '../renderer/src/i18n/i18n.js';
import {
  mayRetry,
  overrideReconnectSchedule,
  RECONNECT_SCHEDULE_S,
  Reconnector,
} from '../renderer/src/ui/auto-reconnect.js';
import { watchForLink } from '../renderer/src/ui/link-watch.js';
import { SessionLifecycle } from '../renderer/src/ui/session-lifecycle.js';
import { closeErrorCode, closeForTargetError, GatewayClose } from '../shared/gateway-protocol.js';
import { TabStrip } from '../renderer/src/ui/tab-strip.js';
import type { SessionTicket } from '../shared/api/contract.js';

beforeEach(() => {
  vi.useFakeTimers();
  setLocale('en');
  overrideReconnectSchedule(null);
});
afterEach(() => {
  vi.useRealTimers();
  document.body.replaceChildren();
});

const ticket = (n: number): SessionTicket => ({
  sessionId: `s${n}`,
  kind: 'ssh',
  url: `ws://127.0.0.1:1/t${n}`,
  title: 'rig',
});

describe('Reconnector', () => {
  it('waits 1, 2, 5, 10, then 30 s between tries, counting down in whole seconds', () => {
    const ticks: Array<number | null> = [];
    const tries: number[] = [];
    const r = new Reconnector({ tick: (s) => ticks.push(s), attempt: () => tries.push(Date.now()) });
    const start = Date.now();
    const waits: number[] = [];
    for (let i = 0; i < 7; i++) {
      const before = Date.now();
      r.schedule();
      vi.runOnlyPendingTimers();
      while (r.waiting) vi.runOnlyPendingTimers();
      waits.push((Date.now() - before) / 1000);
    }
    expect(waits).toEqual([1, 2, 5, 10, 30, 30, 30]);
    expect(RECONNECT_SCHEDULE_S).toEqual([1, 2, 5, 10, 30]);
    expect(tries).toHaveLength(7);
    expect(tries[0]).toBe(start + 1000);
    // The 5 s wait shows 5, 4, 3, 2, 1, then stops.
    const third = ticks.slice(ticks.indexOf(5), ticks.indexOf(5) + 6);
    expect(third).toEqual([5, 4, 3, 2, 1, null]);
    r.reset();
    r.schedule();
    vi.advanceTimersByTime(999);
    expect(tries).toHaveLength(7);
    vi.advanceTimersByTime(1);
    expect(tries).toHaveLength(8);
  });

  it('now() tries at once, cancel() never tries, both only while waiting', () => {
    let tries = 0;
    const r = new Reconnector({ tick: () => undefined, attempt: () => void tries++ });
    r.now();
    expect(tries).toBe(0);
    r.schedule();
    r.now();
    expect(tries).toBe(1);
    expect(r.waiting).toBe(false);
    r.schedule();
    r.cancel();
    vi.advanceTimersByTime(600_000);
    expect(tries).toBe(1);
  });

  it('retries link failures only: never a refused login, host key, certificate or a cancelled question', () => {
    for (const code of ['SSH_DISCONNECTED', 'SSH_CONNECTION_REFUSED', 'SSH_HOST_UNREACHABLE', 'SSH_TIMEOUT'])
      expect(mayRetry(code), code).toBe(true);
    for (const code of [
      'SSH_AUTH_FAILED',
      'SSH_HOST_KEY_CHANGED',
      'SSH_HOST_KEY_REVOKED',
      'SSH_HOST_KEY_UNKNOWN_REJECTED',
      'SSH_KEY_PASSPHRASE_WRONG',
      'VNC_AUTH_FAILED',
      'VNC_CERT_CHANGED',
      'VNC_CERT_REJECTED',
      'VNC_TOO_MANY_ATTEMPTS',
      'API_CANCELLED',
      'INTERNAL',
      undefined,
    ])
      expect(mayRetry(code), String(code)).toBe(false);
  });

  it("reads the error code a gateway close carries, as closeForTargetError wrote it, and nothing else's", () => {
    const back = (code: string, whileOpen: boolean): string | undefined => {
      const close = closeForTargetError(code, whileOpen);
      return closeErrorCode(close.code, close.reason);
    };
    expect(back('SSH_DISCONNECTED', false)).toBe('SSH_DISCONNECTED');
    expect(back('SSH_DISCONNECTED', true)).toBe('SSH_DISCONNECTED');
    expect(back('SSH_AUTH_FAILED', false)).toBe('SSH_AUTH_FAILED');
    expect(back('ECONNREFUSED', false)).toBeUndefined();
    expect(closeErrorCode(GatewayClose.TARGET_OPEN_FAILED, 'target could not be opened')).toBeUndefined();
    expect(closeErrorCode(GatewayClose.NORMAL, 'SSH_DISCONNECTED')).toBeUndefined();
  });
});

describe('SessionLifecycle reconnecting by itself', () => {
  type Outcome = SessionTicket | ApiCallError;
  function setup(outcomes: Outcome[], auto = true) {
    const opens: string[] = [];
    const attached: Array<[string, boolean]> = [];
    const api = { call: async () => null } as unknown as ApiClient;
    let n = 0;
    const life = new SessionLifecycle(
      {
        api,
        title: 'rig',
        open: async (openId) => {
          opens.push(openId);
          const next = outcomes[n++] ?? ticket(n);
          if (next instanceof ApiCallError) throw next;
          return next;
        },
        onStatus: () => undefined,
        onTitle: () => undefined,
        autoReconnect: () => auto,
      },
      {
        size: () => ({ cols: 80, rows: 24 }),
        attach: (t, again) => void attached.push([t.url, again]),
        detach: () => undefined,
        focus: () => undefined,
      },
    );
    document.body.append(life.banner);
    return { life, opens, attached };
  }
  const refused = new ApiCallError({ code: 'SSH_CONNECTION_REFUSED', message: '127.0.0.1 refused the connection.' });
  const dropped = (life: SessionLifecycle): boolean =>
    life.end('Connection to 127.0.0.1 lost.', { code: 'SSH_DISCONNECTED' });

  it('a dropped link counts down, a refused try waits longer, success resets; the new session is marked again', async () => {
    const { life, opens, attached } = setup([ticket(1), refused, refused, ticket(4)]);
    await life.open();
    life.connected();
    expect(attached).toEqual([['ws://127.0.0.1:1/t1', false]]);
    dropped(life);
    expect(life.state).toBe('ended');
    expect(life.reconnecting).toBe(true);
    expect(life.banner.textContent).toContain('Reconnecting in 1 s…');
    const buttons = [...life.banner.querySelectorAll('button')].map(
      (b) => b.getAttribute('aria-label') ?? b.textContent,
    );
    expect(buttons).toEqual(['Reconnect now', 'Cancel reconnecting']);
    await vi.advanceTimersByTimeAsync(1000);
    expect(opens).toHaveLength(2);
    // Refused: the server is still down; 2 s this time.
    expect(life.banner.textContent).toContain('Reconnecting in 2 s…');
    await vi.advanceTimersByTimeAsync(1999);
    expect(opens).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(1);
    expect(opens).toHaveLength(3);
    expect(life.banner.textContent).toContain('Reconnecting in 5 s…');
    await vi.advanceTimersByTimeAsync(5000);
    expect(opens).toHaveLength(4);
    expect(life.state).toBe('attaching');
    expect(attached.at(-1)).toEqual(['ws://127.0.0.1:1/t4', true]);
    life.connected();
    // A later drop starts from 1 s again.
    dropped(life);
    expect(life.banner.textContent).toContain('Reconnecting in 1 s…');
    life.close();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(opens).toHaveLength(4);
  });

  it('a refused login on a reconnect stops: no second try, ever, and Reconnect is offered', async () => {
    const authFailed = new ApiCallError({
      code: 'SSH_AUTH_FAILED',
      message: '127.0.0.1 did not accept the login for "bob".',
    });
    const { life, opens } = setup([ticket(1), authFailed]);
    await life.open();
    life.connected();
    dropped(life);
    await vi.advanceTimersByTimeAsync(1000);
    expect(opens).toHaveLength(2);
    expect(life.reconnecting).toBe(false);
    expect(life.banner.textContent).toContain('did not accept the login');
    expect(life.banner.textContent).not.toContain('Reconnecting in');
    await vi.advanceTimersByTimeAsync(3_600_000);
    life.retryNow();
    await vi.advanceTimersByTimeAsync(0);
    expect(opens).toHaveLength(2);
    expect([...life.banner.querySelectorAll('button')].map((b) => b.textContent)).toEqual(['Reconnect']);
  });

  it('a changed host key on a reconnect stops too', async () => {
    const changed = new ApiCallError({ code: 'SSH_HOST_KEY_CHANGED', message: 'The host key changed.' });
    const { life, opens } = setup([ticket(1), changed]);
    await life.open();
    life.connected();
    dropped(life);
    await vi.advanceTimersByTimeAsync(1000);
    await vi.advanceTimersByTimeAsync(3_600_000);
    expect(opens).toHaveLength(2);
    expect(life.reconnecting).toBe(false);
  });

  it('Cancel stops the countdown and leaves Reconnect, with focus on it', async () => {
    const { life, opens } = setup([ticket(1)]);
    await life.open();
    life.connected();
    dropped(life);
    const cancel = life.banner.querySelector<HTMLButtonElement>('button[aria-label="Cancel reconnecting"]');
    cancel?.click();
    expect(life.reconnecting).toBe(false);
    await vi.advanceTimersByTimeAsync(600_000);
    expect(opens).toHaveLength(1);
    const reconnect = life.banner.querySelector('button');
    expect(reconnect?.textContent).toBe('Reconnect');
    expect(document.activeElement).toBe(reconnect);
    expect(life.banner.textContent).toContain('Connection to 127.0.0.1 lost.');
  });

  it('off for the host: a dropped link just ends; a first open that fails is not retried either', async () => {
    const off = setup([ticket(1)], false);
    await off.life.open();
    off.life.connected();
    dropped(off.life);
    expect(off.life.reconnecting).toBe(false);
    const first = setup([refused]);
    await first.life.open();
    expect(first.life.state).toBe('ended');
    expect(first.life.reconnecting).toBe(false);
  });

  it('a tab that has had a session keeps reconnecting when a try fails while attaching (the link still dying)', async () => {
    const { life, opens } = setup([ticket(1), ticket(2), ticket(3)]);
    await life.open();
    life.connected();
    life.end('The shell exited with status 0.');
    // Reconnect pressed just as the link dies: main gave a ticket, the gateway's open then failed.
    await life.open();
    expect(life.state).toBe('attaching');
    life.end('Connection closed: The session could not be opened (SSH_DISCONNECTED).', { code: 'SSH_DISCONNECTED' });
    expect(life.reconnecting).toBe(true);
    expect(life.banner.textContent).toContain('Reconnecting in 1 s…');
    await vi.advanceTimersByTimeAsync(1000);
    expect(opens).toHaveLength(3);
    life.close();
  });

  it('the exit of a shell is not a dropped link', async () => {
    const { life } = setup([ticket(1)]);
    await life.open();
    life.connected();
    life.end('The shell exited with status 0.');
    expect(life.reconnecting).toBe(false);
  });

  it('the network coming back (online), the page shown again, or a wake from sleep try at once', async () => {
    const { life, opens } = setup([ticket(1), refused, refused, refused, ticket(5)]);
    await life.open();
    life.connected();
    dropped(life);
    const events = new Map<string, () => void>();
    const api = { on: (e: string, fn: () => void) => (events.set(e, fn), () => events.delete(e)) };
    const stop = watchForLink(api as unknown as Pick<ApiClient, 'on'>, () => life.retryNow());
    window.dispatchEvent(new Event('online'));
    await vi.advanceTimersByTimeAsync(0);
    expect(opens).toHaveLength(2);
    Object.defineProperty(document, 'visibilityState', { value: 'visible', configurable: true });
    document.dispatchEvent(new Event('visibilitychange'));
    await vi.advanceTimersByTimeAsync(0);
    expect(opens).toHaveLength(3);
    events.get('app.resumed')?.();
    await vi.advanceTimersByTimeAsync(0);
    expect(opens).toHaveLength(4);
    stop();
    expect(events.size).toBe(0);
    window.dispatchEvent(new Event('online'));
    await vi.advanceTimersByTimeAsync(0);
    expect(opens).toHaveLength(4);
    life.close();
  });
});

describe('Reconnect all', () => {
  it('shows while a tab is disconnected, is in the Tab order with a name, and reconnects only disconnected tabs', () => {
    const strip = new TabStrip(document.body);
    document.body.append(strip.element);
    const reconnected: string[] = [];
    for (const id of ['a', 'b', 'c'])
      strip.add({
        id,
        title: id,
        kind: 'ssh',
        panel: document.createElement('div'),
        onClose: () => undefined,
        onReconnect: () => void reconnected.push(id),
      });
    const all = document.querySelector<HTMLButtonElement>('button.tab-reconnect-all');
    expect(all?.getAttribute('aria-label')).toBe('Reconnect all disconnected tabs');
    expect(all?.hidden).toBe(true);
    for (const id of ['a', 'b', 'c']) strip.setStatus(id, 'connected');
    strip.setStatus('a', 'disconnected');
    strip.setStatus('c', 'disconnected');
    expect(all?.hidden).toBe(false);
    expect(all?.tabIndex).toBe(0);
    all?.click();
    expect(reconnected).toEqual(['a', 'c']);
    strip.close('a');
    strip.close('c');
    expect(all?.hidden).toBe(true);
    strip.dispose();
  });
});
