// A notice above the terminal (here: a forward that could not start with the
// host's first terminal, its port held by the test) takes room from the
// terminal. The terminal refits to what is left, so its rows × row height fit
// in the part of the surface a person sees, the first row whole, and it gets
// the room back when the notice is dismissed; the shell is told each size
// (`stty size`). Serve mode, real Chromium, real sshd.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import net from 'node:net';
import type { Page } from 'playwright-core';
import { sharedAppPage } from './support/app-rig.js';
import type { Sshd } from './support/sshd.js';
import {
  addHost,
  addLocalForward,
  answerPassword,
  connectHost,
  passwordHost,
  terminalText,
  typeInTerminal,
} from './support/app-page.js';
import { ACTIVE_PANEL } from './support/session-tabs.js';
import { saveShot } from './support/shots.js';

let sshd: Sshd;
let page: Page;
let busy: net.Server;

beforeAll(async () => {
  busy = net.createServer((s) => s.destroy());
  await new Promise<void>((ok) => busy.listen(0, '127.0.0.1', ok));
});
afterAll(() => new Promise<void>((ok) => (busy ? busy.close(() => ok()) : ok())));

sharedAppPage(
  (rig) => {
    ({ sshd, page } = rig);
  },
  { width: 1280, height: 820 },
);

/** The terminal's drawn rows (.xterm-screen, rows × row height) against the box it may draw in, CSS pixels. */
interface Fit {
  screenTop: number;
  screenBottom: number;
  screenHeight: number;
  /** The terminal element's content box, cut by every ancestor's box (each clips). */
  roomTop: number;
  roomBottom: number;
}

function measure(): Promise<Fit> {
  return page.evaluate<Fit>(`(() => {
    const panel = document.querySelector('${ACTIVE_PANEL}');
    const term = panel.querySelector('.xterm');
    const screen = panel.querySelector('.xterm-screen').getBoundingClientRect();
    const box = term.getBoundingClientRect();
    const style = getComputedStyle(term);
    let top = box.top + parseFloat(style.paddingTop);
    let bottom = box.bottom - parseFloat(style.paddingBottom);
    for (let e = term.parentElement; e; e = e.parentElement) {
      const b = e.getBoundingClientRect();
      top = Math.max(top, b.top);
      bottom = Math.min(bottom, b.bottom);
    }
    return { screenTop: screen.top, screenBottom: screen.bottom, screenHeight: screen.height, roomTop: top, roomBottom: bottom };
  })()`);
}

/** The pty's size as the shell sees it: [rows, cols]. */
async function sttySize(mark: string): Promise<[number, number]> {
  await typeInTerminal(page, `echo ${mark}-$(stty size | tr ' ' x)`);
  let size: [number, number] = [0, 0];
  await expect
    .poll(async () => {
      const m = new RegExp(`${mark}-(\\d+)x(\\d+)`).exec(await terminalText(page));
      if (m) size = [Number(m[1]), Number(m[2])];
      return m !== null;
    })
    .toBe(true);
  return size;
}

/** Rows fit: the drawn rows lie inside the room (half a pixel for rounding), and less than a row is left over. */
function expectFits(fit: Fit, rows: number): void {
  const rowHeight = fit.screenHeight / rows;
  expect(fit.screenTop).toBeGreaterThanOrEqual(fit.roomTop - 0.5);
  expect(fit.screenBottom).toBeLessThanOrEqual(fit.roomBottom + 0.5);
  expect(fit.roomBottom - fit.screenBottom).toBeLessThan(rowHeight);
}

describe('a tab notice and the terminal (serve mode)', () => {
  it('the terminal refits when a notice appears and when it is dismissed: every row whole and visible', async () => {
    const busyPort = (busy.address() as net.AddressInfo).port;
    await addHost(page, passwordHost(sshd, 'fit'));
    await addLocalForward(page, 'fit', { listenPort: busyPort, targetPort: 9 });

    // Connecting starts the forward, whose port the test holds: a notice above the terminal.
    await connectHost(page, 'fit');
    await page
      .getByRole('dialog', { name: 'Unknown host key' })
      .getByRole('button', { name: 'Trust and connect' })
      .click();
    await answerPassword(page, sshd.password);
    await page.locator('[role=tab][data-status=connected]').waitFor({ timeout: 30_000 });
    const notice = page.locator(`${ACTIVE_PANEL} .tunnel-notice`);
    await notice.waitFor({ timeout: 30_000 });
    expect(await notice.innerText()).toContain('already in use');

    // Output past the bottom, so the terminal is scrolled to its end as a busy one is.
    await typeInTerminal(page, 'seq 1 200');
    await expect.poll(() => terminalText(page)).toContain('\n200');
    const [rowsWith] = await sttySize('with');
    const withNotice = await measure();
    expectFits(withNotice, rowsWith);
    await saveShot(page, 'tunnels-tab-notice-fit');

    await notice.getByRole('button', { name: 'Dismiss' }).click();
    await notice.waitFor({ state: 'detached' });
    // The room came back: more rows, and the shell is told.
    let rowsWithout = 0;
    await expect
      .poll(async () => ([rowsWithout] = await sttySize(`without${Date.now()}`))[0] > rowsWith, { timeout: 10_000 })
      .toBe(true);
    expectFits(await measure(), rowsWithout);
  });
});
