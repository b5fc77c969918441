// Unix accounts the sshd rig logs in as. sshd (with UsePAM no) needs real
// accounts: one for keys (password field '*': not locked, no password) and one
// with a known password hash (docs/CONTRIBUTING.md, "The real-peer rig").
import { execFileSync } from 'node:child_process';

export const KEY_USER = 'hostdeck-key';
export const PASSWORD_USER = 'hostdeck-pw';
export const PASSWORD = 'Correct-Horse-42';

function userExists(name: string): boolean {
  try {
    execFileSync('id', ['-u', name], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

// Several test runs may share the machine: useradd takes a lock on
// /etc/passwd and fails if another is holding it, so retry a little.
function retry(fn: () => void): void {
  for (let i = 0; ; i++) {
    try {
      fn();
      return;
    } catch (err) {
      if (i >= 20) throw err;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 100);
    }
  }
}

export function ensureTestUsers(): void {
  if (process.getuid?.() !== 0) {
    throw new Error('The sshd rig needs root to create its test accounts (run the tests as root, as CI does).');
  }
  for (const name of [KEY_USER, PASSWORD_USER]) {
    if (!userExists(name)) retry(() => execFileSync('useradd', ['-m', '-s', '/bin/bash', name], { stdio: 'ignore' }));
  }
  retry(() => execFileSync('usermod', ['-p', '*', KEY_USER], { stdio: 'ignore' }));
  retry(() =>
    execFileSync('chpasswd', [], { input: `${PASSWORD_USER}:${PASSWORD}\n`, stdio: ['pipe', 'ignore', 'ignore'] }),
  );
}
