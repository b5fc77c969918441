// The choices behind reconnecting, read as hostile input: the host's
// autoReconnect and keepShell (the one validator), the tab slot a kept shell
// is named after (the sessions API's check), and the command a kept shell
// runs, in a real sh with neither tmux nor screen on its PATH.
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { bookView, checkHost } from '../shared/model/validate.js';
import { sessionOptions } from '../main/api/sessions/session-checks.js';
import { keptShellCommand } from '../main/api/sessions/ssh-open.js';
import { sshHostInput, vncHostInput } from './support/hosts.js';

const empty = bookView([], []);
const ssh = sshHostInput('web', { port: 22, passwordUser: 'alice' });

describe('host choices', () => {
  it('autoReconnect: on, off or absent, for either protocol; anything else is refused', () => {
    for (const v of [true, false]) {
      const r = checkHost({ ...ssh, autoReconnect: v }, empty);
      expect(r.ok && r.host.autoReconnect).toBe(v);
      const vnc = checkHost({ ...vncHostInput('desk', { host: '127.0.0.1', port: 5900 }), autoReconnect: v }, empty);
      expect(vnc.ok && vnc.host.autoReconnect).toBe(v);
    }
    const absent = checkHost(ssh, empty);
    expect(absent.ok && 'autoReconnect' in absent.host).toBe(false);
    for (const bad of ['yes', 1, null, {}]) {
      const r = checkHost({ ...ssh, autoReconnect: bad }, empty);
      expect(r.ok).toBe(false);
      expect(r.errors[0]).toMatchObject({ field: 'autoReconnect', code: 'WRONG_TYPE' });
    }
  });

  it('keepShell: SSH only; false is kept as absent', () => {
    const on = checkHost({ ...ssh, keepShell: true }, empty);
    expect(on.ok && on.host.keepShell).toBe(true);
    const off = checkHost({ ...ssh, keepShell: false }, empty);
    expect(off.ok && 'keepShell' in off.host).toBe(false);
    const vnc = checkHost({ ...vncHostInput('desk', { host: '127.0.0.1', port: 5900 }), keepShell: true }, empty);
    expect(vnc.errors[0]).toMatchObject({ field: 'keepShell', code: 'NOT_ALLOWED' });
    expect(checkHost({ ...ssh, keepShell: 'tmux; rm -rf ~' }, empty).ok).toBe(false);
  });
});

describe('the tab slot', () => {
  const base = { openId: 'o', cols: 80, rows: 24 };
  it('is optional, a whole number from 1 to 999', () => {
    expect(sessionOptions(base)).toEqual(base);
    expect(sessionOptions({ ...base, slot: 3 })).toEqual({ ...base, slot: 3 });
    for (const bad of [0, -1, 1000, 1.5, '1', '1; reboot', null, NaN])
      expect(() => sessionOptions({ ...base, slot: bad }), String(bad)).toThrow(/options\.slot/);
  });
});

describe('keptShellCommand', () => {
  it('names the session, and without tmux or screen says so and runs the login shell', () => {
    const cmd = keptShellCommand('hostdeck-2');
    expect(cmd).toContain('tmux new-session -A -s hostdeck-2');
    expect(cmd).toContain('screen -D -R -S hostdeck-2');
    // sshd runs it as `$SHELL -c`; here SHELL is echo, so the "login shell" prints its argument.
    const r = spawnSync('/bin/sh', ['-c', cmd], {
      env: { PATH: '/nonexistent', SHELL: '/bin/echo' },
      encoding: 'utf8',
    });
    expect(r.stdout).toBe(
      'Hostdeck: neither tmux nor screen is installed here; this shell ends with the connection.\n-l\n',
    );
    expect(r.status).toBe(0);
  });
});
