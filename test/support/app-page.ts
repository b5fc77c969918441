// What a person does in Hostdeck's page, shared by the serve-mode and the
// desktop (stand-in) end-to-end tests: the same page, two transports.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Browser, Locator, Page } from 'playwright-core';

export interface HostFields {
  name: string;
  address: string;
  port: number;
  user: string;
  auth?: string;
}

/** Adds an SSH host through the editor and waits for it in the address book. */
export async function addHost(page: Page, fields: HostFields): Promise<void> {
  await page.getByRole('button', { name: 'Add host' }).click();
  const dialog = page.getByRole('dialog', { name: 'Add host' });
  await dialog.getByLabel('Name', { exact: true }).fill(fields.name);
  await dialog.getByLabel('Address').fill(fields.address);
  await dialog.getByLabel('Port').fill(String(fields.port));
  await dialog.getByLabel('User name').fill(fields.user);
  if (fields.auth) await dialog.getByLabel('Sign in with').selectOption(fields.auth);
  await dialog.getByRole('button', { name: 'Save' }).click();
  await dialog.waitFor({ state: 'detached' });
  await page.getByRole('treeitem', { name: fields.name }).waitFor();
}

/**
 * Adds one local (-L) forward to the saved host `hostName` through the host
 * editor: 127.0.0.1:`listenPort` → 127.0.0.1:`targetPort`. `autoStart`
 * (default true, the editor's default) keeps "Start with the host's first
 * terminal"; false leaves it to the Tunnels panel.
 */
export async function addLocalForward(
  page: Page,
  hostName: string,
  fwd: { listenPort: number; targetPort: number; autoStart?: boolean },
): Promise<void> {
  await page.getByRole('treeitem', { name: hostName }).click();
  await page.getByRole('button', { name: 'Edit', exact: true }).click();
  const editor = page.getByRole('dialog', { name: /Edit/ });
  await editor.getByRole('button', { name: 'Add port forward' }).click();
  const group = editor.getByRole('group', { name: 'Port forward 1' });
  await group.getByLabel('Kind').selectOption('local');
  await group.getByLabel('Listen port').fill(String(fwd.listenPort));
  await group.getByLabel('Target host').fill('127.0.0.1');
  await group.getByLabel('Target port').fill(String(fwd.targetPort));
  const auto = group.getByLabel('Start with the host’s first terminal');
  if ((await auto.isChecked()) !== (fwd.autoStart ?? true)) await auto.click();
  await editor.getByRole('button', { name: 'Save' }).click();
  await editor.waitFor({ state: 'detached' });
}

/**
 * Adds the page's test hooks (window.__hostdeckTest), unless a load already
 * did: a test-only Vite entry the app itself never loads, served with the
 * page under a fixed name (renderer/src/testing/test-hooks.ts says why).
 * Checked on every use, since a reload (switching language) drops them.
 */
export async function loadTestHooks(page: Page): Promise<void> {
  // Strings, not functions: this module is type-checked without the DOM.
  if (await page.evaluate<boolean>('window.__hostdeckTest !== undefined')) return;
  await page.addScriptTag({ url: '/assets/test-hooks.js', type: 'module' });
}

/**
 * This browser's WebGL 2 renderer string (unmasked where the browser allows,
 * e.g. "ANGLE (Google, Vulkan 1.3.0 (SwiftShader Device …))"), '' when it
 * says nothing, or null without WebGL 2. Read apart from the app's own probe
 * (renderer/src/terminal/gl-renderer.ts), with a context released at once.
 */
export function webglName(page: Page): Promise<string | null> {
  return page.evaluate<string | null>(`(() => {
    const gl = document.createElement('canvas').getContext('webgl2');
    if (!gl) return null;
    const info = gl.getExtension('WEBGL_debug_renderer_info');
    const name = gl.getParameter(info ? info.UNMASKED_RENDERER_WEBGL : gl.RENDERER);
    gl.getExtension('WEBGL_lose_context')?.loseContext();
    return typeof name === 'string' ? name : '';
  })()`);
}

/** The text of the active terminal tab. */
export async function terminalText(page: Page): Promise<string> {
  await loadTestHooks(page);
  return page.evaluate<string>('window.__hostdeckTest.terminalText()');
}

/** What is selected in the active terminal tab. */
export async function terminalSelection(page: Page): Promise<string> {
  await loadTestHooks(page);
  return page.evaluate<string>('window.__hostdeckTest.selection()');
}

export async function typeInTerminal(page: Page, text: string): Promise<void> {
  await page.locator('[role=tabpanel]:not([hidden]) .xterm-helper-textarea').focus();
  await page.keyboard.type(text);
  await page.keyboard.press('Enter');
}

export async function connectHost(page: Page, name: string): Promise<void> {
  await page.getByRole('treeitem', { name }).dblclick();
}

export async function answerPassword(page: Page, password: string): Promise<void> {
  const dialog = page.getByRole('dialog', { name: /Password for/ });
  await dialog.locator('input[type=password]').fill(password);
  await dialog.getByRole('button', { name: 'OK' }).click();
}

/**
 * A new page on Hostdeck's serve URL, ready for input: page errors go to
 * stderr, and it waits for the app to mark `body[data-ready=true]`.
 * `viewport` is in CSS pixels (default 1280 × 760). `watch` runs on the new
 * page before it navigates, for listeners that must see the first load (its
 * WebSockets, dialogs, console).
 */
export async function openAppPage(
  browser: Browser,
  url: string,
  viewport: { width: number; height: number } = { width: 1280, height: 760 },
  watch?: (page: Page) => void,
): Promise<Page> {
  const page = await browser.newPage({ viewport });
  page.on('pageerror', (err) => console.error('page error:', err.message));
  watch?.(page);
  await page.goto(url);
  await page.locator('body[data-ready=true]').waitFor({ timeout: 30_000 });
  return page;
}

/** The sshd a page test logs into with a password (see test/support/sshd.ts). */
export interface PasswordPeer {
  port: number;
  passwordUser: string;
  password: string;
}

/** The host editor's fields for the rig sshd at 127.0.0.1 as its password user, password sign-in. */
export function passwordHost(sshd: PasswordPeer, name = 'rig'): HostFields {
  return { name, address: '127.0.0.1', port: sshd.port, user: sshd.passwordUser, auth: 'password' };
}

/**
 * What a person does the first time with a new SSH host: add it (password
 * sign-in), double-click it, trust its unknown host key, type the password,
 * and wait for the tab to say connected. Returns once the terminal is live.
 * `checkKey`, when given, sees the host-key dialog before it is answered (a
 * test's assertion on the fingerprint shown).
 */
export async function openSshTab(
  page: Page,
  sshd: PasswordPeer,
  name = 'rig',
  checkKey?: (dialog: Locator) => Promise<void>,
): Promise<void> {
  await addHost(page, passwordHost(sshd, name));
  await connectHost(page, name);
  const keyDialog = page.getByRole('dialog', { name: 'Unknown host key' });
  if (checkKey) {
    await keyDialog.waitFor();
    await checkKey(keyDialog);
  }
  await keyDialog.getByRole('button', { name: 'Trust and connect' }).click();
  await answerPassword(page, sshd.password);
  await page.locator('[role=tab][data-status=connected]').waitFor({ timeout: 30_000 });
}

/**
 * The distinct colours ("#rrggbb") in a strip of what the person sees: a
 * screenshot of `clip`, decoded by the page's own canvas (a data: image, which
 * the page's CSP allows).
 */
export async function screenColours(
  page: Page,
  clip: { x: number; y: number; width: number; height: number },
): Promise<string[]> {
  const png = await page.screenshot({ clip });
  return page.evaluate(`(async () => {
    const img = new Image();
    img.src = 'data:image/png;base64,${png.toString('base64')}';
    await img.decode();
    const c = document.createElement('canvas');
    c.width = img.width; c.height = img.height;
    const g = c.getContext('2d');
    g.drawImage(img, 0, 0);
    const d = g.getImageData(0, 0, c.width, c.height).data;
    const seen = new Set();
    for (let i = 0; i < d.length; i += 4) seen.add('#' + [d[i], d[i + 1], d[i + 2]].map((v) => v.toString(16).padStart(2, '0')).join(''));
    return [...seen];
  })()`);
}

/** One axe-core finding, flattened for a failure message a person can act on. */
export interface AxeFinding {
  id: string;
  impact: string;
  help: string;
  nodes: string[];
}

/**
 * Runs axe-core (every rule of WCAG 2.0–2.2 A/AA plus axe's best practices) on
 * what the page shows now and returns its violations. axe is put in through
 * the DevTools protocol, which the page's CSP does not govern, so the page is
 * checked under its real policy, not a loosened one.
 */
export async function axeViolations(page: Page): Promise<AxeFinding[]> {
  if (!(await page.evaluate<boolean>('typeof window.axe === "object"'))) await page.evaluate(axeSource());
  return page.evaluate<AxeFinding[]>(`(async () => {
    const result = await window.axe.run(document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'] },
      resultTypes: ['violations'],
    });
    return result.violations.map((v) => ({
      id: v.id,
      impact: v.impact ?? 'unknown',
      help: v.help,
      nodes: v.nodes.map((n) => n.target.join(' ')),
    }));
  })()`);
}

/** "id (impact): help — selector, selector" per finding, for expect(...).toEqual([]). */
export function describeFindings(findings: AxeFinding[]): string[] {
  return findings.map((f) => `${f.id} (${f.impact}): ${f.help} — ${f.nodes.join(', ')}`);
}

let axeScript: string | undefined;
function axeSource(): string {
  axeScript ??= readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
  return axeScript;
}
