// What the reconnect test and bench do in the page: a host that signs in
// with a key file only (so a refused login has no password prompt to fall
// back on), the waits between automatic tries, and "the network is back".
import type { Page } from 'playwright-core';
import { loadTestHooks } from './app-page.js';

export interface KeyHost {
  name: string;
  port: number;
  user: string;
  keyPath: string;
  /** Tick "Keep the shell across reconnects" (tmux or screen on the host). */
  keepShell?: boolean;
}

/** Adds an SSH host on 127.0.0.1:`port` signing in with the key file alone; waits for it in the address book. */
export async function addKeyHost(page: Page, host: KeyHost): Promise<void> {
  await page.getByRole('button', { name: 'Add host' }).click();
  const dialog = page.getByRole('dialog', { name: 'Add host' });
  await dialog.getByLabel('Name', { exact: true }).fill(host.name);
  await dialog.getByLabel('Address').fill('127.0.0.1');
  await dialog.getByLabel('Port').fill(String(host.port));
  await dialog.getByLabel('User name').fill(host.user);
  await dialog.getByLabel('Sign in with').selectOption('privateKey');
  await dialog.getByLabel('Key file').fill(host.keyPath);
  if (host.keepShell) await dialog.getByLabel('Keep the shell across reconnects').check();
  await dialog.getByRole('button', { name: 'Save' }).click();
  await dialog.waitFor({ state: 'detached' });
  await page.getByRole('treeitem', { name: host.name }).waitFor();
}

/** The waits between automatic reconnect tries, in ms (the test hooks' override). */
export async function setReconnectSchedule(page: Page, ms: number[]): Promise<void> {
  await loadTestHooks(page);
  await page.evaluate(`window.__hostdeckTest.reconnectSchedule(${JSON.stringify(ms)})`);
}

/** Fires the page's 'online' event, as the browser does when the network comes back. */
export async function networkBack(page: Page): Promise<void> {
  await page.evaluate("window.dispatchEvent(new Event('online'))");
}
