// sftp.open({ sessionId }): the file browser rides an open SSH tab's own
// connection, a quick-connect tab's too (which has no saved host to reach it
// through), and never logs in again: once the tab is closed, or for an id
// that is not an open SSH tab, it answers SFTP_NO_SESSION.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { Api } from '../main/api/create-api.js';
import { Gateway } from '../main/gateway/gateway.js';
import type { PromptRequest } from '../shared/api/contract.js';
import { StoreHarness } from './fixtures/store/harness.js';
import { callApi, serveModeApi } from './support/api.js';
import { startSshd, type Sshd } from './support/sshd.js';

const harness = new StoreHarness('sftp-open-session');
const ORIGIN = 'http://127.0.0.1:1';
let gateway: Gateway;
let sshd: Sshd;
let api: Api;
const asked: Array<PromptRequest & { promptId: string }> = [];

beforeAll(async () => {
  gateway = await Gateway.start({ allowedOrigins: [ORIGIN] });
  sshd = await startSshd();
  api = serveModeApi(harness.open({ saveDelayMs: 0 }), gateway);
  api.dispatcher.subscribe((event, payload) => {
    if (event === 'prompt.ask') asked.push(payload as PromptRequest & { promptId: string });
  });
}, 60_000);

afterAll(async () => {
  await api?.dispose();
  await gateway?.close();
  await sshd?.stop();
  harness.cleanup();
});

async function answer(n: number, a: unknown): Promise<void> {
  await expect.poll(() => asked.length, { timeout: 20_000 }).toBeGreaterThanOrEqual(n);
  const r = await callApi(api.dispatcher, 'prompts.answer', (asked[n - 1] as { promptId: string }).promptId, a);
  expect(r.ok).toBe(true);
}

describe('sftp.open on a session', () => {
  it("opens on a quick-connect tab's connection without asking again, and not after the tab closed", async () => {
    const opening = callApi(
      api.dispatcher,
      'sessions.quickConnect',
      { username: sshd.passwordUser, host: '127.0.0.1', port: sshd.port },
      { openId: 'q', cols: 80, rows: 24 },
    );
    await answer(1, { type: 'decision', accept: true });
    await answer(2, { type: 'secret', value: sshd.password, remember: false });
    const opened = await opening;
    expect(opened.ok).toBe(true);
    const { sessionId, url } = opened.result as { sessionId: string; url: string };
    const ws = new WebSocket(url, { origin: ORIGIN });
    await new Promise((resolve) => ws.once('open', resolve));
    const logins = sshd.log().split('Accepted').length;
    const sftp = await callApi(api.dispatcher, 'sftp.open', { sessionId }, { openId: 'f' });
    expect(sftp.ok, JSON.stringify(sftp.error)).toBe(true);
    const { sftpId, homeText } = sftp.result as { sftpId: string; homeText: string };
    expect(homeText).toMatch(new RegExp(`/${sshd.passwordUser}$`));
    expect((await callApi(api.dispatcher, 'sftp.list', sftpId, homeText)).ok).toBe(true);
    expect(asked.length).toBe(2);
    expect(sshd.log().split('Accepted').length).toBe(logins);
    await callApi(api.dispatcher, 'sftp.close', sftpId);
    await callApi(api.dispatcher, 'sessions.close', sessionId);
    ws.close();
    const after = await callApi(api.dispatcher, 'sftp.open', { sessionId }, { openId: 'f2' });
    expect(after.ok ? 'accepted' : after.error?.code).toBe('SFTP_NO_SESSION');
    const unknown = await callApi(api.dispatcher, 'sftp.open', { sessionId: 'not-a-session' }, { openId: 'f3' });
    expect(unknown.ok ? 'accepted' : unknown.error?.code).toBe('SFTP_NO_SESSION');
  });
});
