// What a person does in Hostdeck's page, shared by the serve-mode and the
// desktop (stand-in) end-to-end tests: the same page, two transports.
import type { Page } from 'playwright-core';

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

/** The text of the active terminal tab. */
export function terminalText(page: Page): Promise<string> {
  // A string, not a function: this module is type-checked without the DOM.
  return page.evaluate<string>("document.querySelector('[role=tabpanel]:not([hidden])')?.hostdeckText?.() ?? ''");
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
