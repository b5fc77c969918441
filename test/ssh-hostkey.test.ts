// Host-key trust against real sshd: an unknown key is shown to the person
// (type + SHA256 exactly as ssh-keygen -lf) and either trusted (written to
// Hostdeck's 0600 file, asked once) or refused; a changed or revoked key is
// refused before any authentication byte (sshd's own log shows no attempt),
// even with a stored password at hand; a new key type is "unknown".
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { appendFileSync, existsSync, readFileSync, statSync } from 'node:fs';
import { startSshd, trustSshd, type Sshd } from './support/sshd.js';
import { SshConnection, type ConnectOptions } from '../main/ssh/connection.js';
import { connectFailure, keyUserOptions, logSince, trustFiles } from './fixtures/ssh/harness.js';
import type { HostdeckError } from '../shared/errors.js';

const AUTH_LINE = /Failed|Accepted|Postponed|Partial|Invalid user|authentication/i;

let sshd: Sshd;
beforeAll(async () => {
  sshd = await startSshd();
});
afterAll(async () => {
  await sshd?.stop();
});

function refused(opts: ConnectOptions): Promise<HostdeckError> {
  return connectFailure(SshConnection.connect(opts));
}

/** The log for one refused connection: it reached sshd, and no authentication happened. */
async function expectNoAuthentication(mark: number): Promise<void> {
  // sshd logs the close after our socket goes: wait for it, then look at everything.
  await expect.poll(() => logSince(sshd, mark)).toMatch(/Connection (closed|reset) by|Disconnected from/);
  const log = logSince(sshd, mark);
  expect(log).toMatch(/Connection from 127\.0\.0\.1/);
  expect(log).not.toMatch(AUTH_LINE);
}

function closeNow(conn: SshConnection): Promise<unknown> {
  const closed = new Promise((r) => conn.once('close', r));
  conn.close();
  return closed;
}

describe('unknown host key', () => {
  it('is shown with its type and ssh-keygen fingerprint; "trust" writes our file and is not asked again', async () => {
    const t = trustFiles([], true);
    const userBefore = readFileSync(t.userFile, 'utf8');
    const opts = keyUserOptions(sshd, t, { askHostKey: async (k) => (t.asked.push(k), true) });
    await closeNow(await SshConnection.connect(opts));
    expect(t.asked).toEqual([
      { host: sshd.host, port: sshd.port, keyType: 'ssh-ed25519', fingerprint: sshd.hostKeyFingerprint() },
    ]);
    expect(statSync(t.ownFile).mode & 0o777).toBe(0o600);
    // The person's own known_hosts is only read.
    expect(readFileSync(t.userFile, 'utf8')).toBe(userBefore);
    // Hashed as asked, and OpenSSH itself finds it.
    expect(readFileSync(t.ownFile, 'utf8')).toMatch(/^\|1\|/);
    const found = execFileSync('ssh-keygen', ['-F', `[${sshd.host}]:${sshd.port}`, '-f', t.ownFile], {
      encoding: 'utf8',
    });
    expect(found).toContain(sshd.hostPublicKey().split(' ')[1]);
    await closeNow(await SshConnection.connect(opts));
    expect(t.asked).toHaveLength(1);
  });

  it('"cancel" ends with SSH_HOST_KEY_UNKNOWN_REJECTED, nothing written and no authentication attempted', async () => {
    const t = trustFiles();
    let passwordAsked = 0;
    const mark = sshd.log().length;
    const err = await refused(
      keyUserOptions(sshd, t, {
        username: sshd.passwordUser,
        keyFiles: [],
        callbacks: { password: async () => (passwordAsked++, sshd.password) },
      }),
    );
    expect(err.code).toBe('SSH_HOST_KEY_UNKNOWN_REJECTED');
    expect(err.message).toContain(sshd.hostKeyFingerprint());
    expect(t.asked).toHaveLength(1);
    expect(passwordAsked).toBe(0);
    expect(existsSync(t.ownFile)).toBe(false);
    await expectNoAuthentication(mark);
  });

  it('the time the person takes to decide does not count toward the ready timeout', async () => {
    const t = trustFiles();
    const conn = await SshConnection.connect(
      keyUserOptions(sshd, t, {
        readyTimeout: 300,
        askHostKey: async () => {
          await new Promise((r) => setTimeout(r, 900));
          return true;
        },
      }),
    );
    expect(conn.state).toBe('open');
    await closeNow(conn);
  });
});

describe('revoked host key', () => {
  it('is refused with SSH_HOST_KEY_REVOKED naming file and line, before any authentication', async () => {
    const t = trustFiles([sshd]);
    appendFileSync(t.userFile, `@revoked * ${sshd.hostPublicKey()}\n`);
    const mark = sshd.log().length;
    const err = await refused(
      keyUserOptions(sshd, t, { username: sshd.passwordUser, keyFiles: [], password: sshd.password }),
    );
    expect(err.code).toBe('SSH_HOST_KEY_REVOKED');
    expect(err.details).toMatchObject({ file: t.userFile, line: 3, fingerprint: sshd.hostKeyFingerprint() });
    expect(t.asked).toHaveLength(0);
    await expectNoAuthentication(mark);
  });
});

describe('changed host key (sshd restarted with a new key)', () => {
  it('is refused with zero authentication attempts, even with a stored password', async () => {
    const t = trustFiles([sshd]);
    await closeNow(await SshConnection.connect(keyUserOptions(sshd, t)));
    const oldFingerprint = sshd.hostKeyFingerprint();
    await sshd.restartWithNewHostKey();
    const mark = sshd.log().length;
    const err = await refused(
      keyUserOptions(sshd, t, { username: sshd.passwordUser, keyFiles: [], password: sshd.password }),
    );
    expect(err.code).toBe('SSH_HOST_KEY_CHANGED');
    expect(err.details).toMatchObject({
      file: t.userFile,
      line: 2,
      oldFingerprint,
      fingerprint: sshd.hostKeyFingerprint(),
    });
    expect(err.message).toContain(`ssh-keygen -R '[${sshd.host}]:${sshd.port}'`);
    // No "accept anyway": the person is never asked.
    expect(t.asked).toHaveLength(0);
    await expectNoAuthentication(mark);
  });

  it('a new key type for a known host is unknown (asked), not changed', async () => {
    const t = trustFiles([sshd]);
    await sshd.restartWithNewHostKey('ecdsa');
    const err = await refused(keyUserOptions(sshd, t));
    expect(err.code).toBe('SSH_HOST_KEY_UNKNOWN_REJECTED');
    expect(t.asked).toEqual([
      expect.objectContaining({ keyType: 'ecdsa-sha2-nistp256', fingerprint: sshd.hostKeyFingerprint() }),
    ]);
    // Once trusted (as ssh would add it beside the old one), it logs in.
    trustSshd(t.ownFile, sshd);
    await closeNow(await SshConnection.connect(keyUserOptions(sshd, t)));
  });
});
