// Every way of logging in, against real sshd: key files (OpenSSH and PEM,
// ed25519/ecdsa/rsa, encrypted with a passphrase from a callback), ssh-agent,
// password, keyboard-interactive through PAM (also as the second factor after
// a key), the failures people meet (wrong password, wrong passphrase, refused
// port, a silent server) and the algorithms we insist on.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { generateKey, startSshd, type Sshd } from './support/sshd.js';
import { makeTempDir, startTracked, type Tracked } from './support/processes.js';
import { freePort } from './support/net.js';
import { SshConnection } from '../main/ssh/connection.js';
import { connectFailure, keyUserOptions, logSince, trustFiles, type TrustFiles } from './fixtures/ssh/harness.js';

let sshd: Sshd;
let t: TrustFiles;
const keysDir = makeTempDir('ssh-auth-keys');
const PASSPHRASE = 'open sesame';
/** What sshd (LogLevel VERBOSE and above) prints when a client offers a SHA-1 RSA signature. */
const SSH_RSA_REFUSED = /signature algorithm ssh-rsa not in PubkeyAcceptedAlgorithms/;
const keys = {
  rsaPem: join(keysDir, 'rsa_pem'),
  rsaPemEncrypted: join(keysDir, 'rsa_pem_enc'),
  ecdsaEncrypted: join(keysDir, 'ecdsa_enc'),
  ed25519Encrypted: join(keysDir, 'ed25519_enc'),
};

beforeAll(async () => {
  sshd = await startSshd();
  t = trustFiles([sshd]);
  generateKey(keys.rsaPem, 'rsa', '', 'pem', 'PEM');
  generateKey(keys.rsaPemEncrypted, 'rsa', PASSPHRASE, 'pem-enc', 'PEM');
  generateKey(keys.ecdsaEncrypted, 'ecdsa', PASSPHRASE);
  generateKey(keys.ed25519Encrypted, 'ed25519', PASSPHRASE);
  for (const k of Object.values(keys)) sshd.authorize(sshd.keyUser, readFileSync(`${k}.pub`, 'utf8'));
});
afterAll(async () => {
  await sshd?.stop();
});

async function loginAndClose(p: Promise<SshConnection>): Promise<void> {
  const conn = await p;
  expect(conn.state).toBe('open');
  const closed = new Promise((r) => conn.once('close', r));
  conn.close();
  expect(await closed).toBeNull();
  expect(conn.state).toBe('closed');
}

describe('key files', () => {
  it.each([
    ['ed25519, OpenSSH format', () => sshd.clientKeyPath, 'ED25519'],
    ['rsa, PEM format', () => keys.rsaPem, 'RSA'],
  ])('%s', async (_label, path, logType) => {
    const mark = sshd.log().length;
    await loginAndClose(SshConnection.connect(keyUserOptions(sshd, t, { keyFiles: [{ path: path() }] })));
    expect(logSince(sshd, mark)).toMatch(new RegExp(`Accepted publickey for ${sshd.keyUser} .* ${logType} SHA256:`));
    // OpenSSH 8.8+ leaves SHA-1 "ssh-rsa" out of PubkeyAcceptedAlgorithms and logs an offer of it
    // (auth2-pubkey.c); the control test below shows the line is really printed.
    if (logType === 'RSA') expect(logSince(sshd, mark)).not.toMatch(SSH_RSA_REFUSED);
  });

  it('control: an SHA-1 ssh-rsa offer (OpenSSH client forced to it) is logged by sshd as refused', async () => {
    const mark = sshd.log().length;
    // The client fails to log in; only sshd's log matters.
    spawnSync(
      'ssh',
      [
        '-F',
        '/dev/null',
        '-o',
        'BatchMode=yes',
        '-o',
        'StrictHostKeyChecking=no',
        '-o',
        'UserKnownHostsFile=/dev/null',
        '-o',
        'IdentitiesOnly=yes',
        '-o',
        'PubkeyAcceptedAlgorithms=ssh-rsa',
        '-i',
        keys.rsaPem,
        '-p',
        String(sshd.port),
        `${sshd.keyUser}@${sshd.host}`,
        'true',
      ],
      { stdio: 'ignore', timeout: 15_000 },
    );
    await expect.poll(() => logSince(sshd, mark)).toMatch(SSH_RSA_REFUSED);
  });

  it.each([
    ['rsa PEM, encrypted', keys.rsaPemEncrypted],
    ['ecdsa OpenSSH, encrypted', keys.ecdsaEncrypted],
    ['ed25519 OpenSSH, encrypted', keys.ed25519Encrypted],
  ])('%s: the passphrase comes from the callback', async (_label, path) => {
    const asked: Array<[string, number]> = [];
    await loginAndClose(
      SshConnection.connect(
        keyUserOptions(sshd, t, {
          keyFiles: [{ path }],
          callbacks: {
            passphrase: async (p, attempt) => {
              asked.push([p, attempt]);
              return attempt === 1 ? 'wrong once' : PASSPHRASE;
            },
          },
        }),
      ),
    );
    expect(asked).toEqual([
      [path, 1],
      [path, 2],
    ]);
  });

  it('a wrong passphrase, three times, is SSH_KEY_PASSPHRASE_WRONG naming the key', async () => {
    let calls = 0;
    const err = await connectFailure(
      SshConnection.connect(
        keyUserOptions(sshd, t, {
          keyFiles: [{ path: keys.ecdsaEncrypted }],
          callbacks: { passphrase: async () => (calls++, 'not it') },
        }),
      ),
    );
    expect(err.code).toBe('SSH_KEY_PASSPHRASE_WRONG');
    expect(err.message).toContain(keys.ecdsaEncrypted);
    expect(calls).toBe(3);
  });

  it('a missing key file is SSH_KEY_UNREADABLE, not a crash', async () => {
    const err = await connectFailure(
      SshConnection.connect(keyUserOptions(sshd, t, { keyFiles: [{ path: join(keysDir, 'nope') }] })),
    );
    expect(err.code).toBe('SSH_KEY_UNREADABLE');
  });
});

describe('ssh-agent', () => {
  let agent: Tracked;
  let sock: string;
  beforeAll(async () => {
    sock = join(makeTempDir('ssh-agent'), 'agent.sock');
    agent = startTracked('ssh-agent', ['-D', '-a', sock]);
    // ssh-agent -D creates the socket after it starts: wait for it to exist.
    for (let i = 0; i < 200 && !existsSync(sock); i++) await new Promise((r) => setTimeout(r, 25));
    execFileSync('ssh-add', [sshd.clientKeyPath], { env: { ...process.env, SSH_AUTH_SOCK: sock }, stdio: 'ignore' });
  });
  afterAll(async () => {
    await agent?.stop();
  });

  it("logs in with the agent's key and no key file", async () => {
    const mark = sshd.log().length;
    await loginAndClose(SshConnection.connect(keyUserOptions(sshd, t, { keyFiles: [], agent: sock })));
    expect(logSince(sshd, mark)).toMatch(/Accepted publickey for hostdeck-key/);
  });
});

describe('password', () => {
  it('a stored password logs in', async () => {
    const mark = sshd.log().length;
    await loginAndClose(
      SshConnection.connect(
        keyUserOptions(sshd, t, { username: sshd.passwordUser, keyFiles: [], password: sshd.password }),
      ),
    );
    expect(logSince(sshd, mark)).toMatch(/Accepted password for hostdeck-pw/);
  });

  it('a wrong password is SSH_AUTH_FAILED and says what was tried', async () => {
    const err = await connectFailure(
      SshConnection.connect(keyUserOptions(sshd, t, { username: sshd.passwordUser, keyFiles: [], password: 'wrong' })),
    );
    expect(err.code).toBe('SSH_AUTH_FAILED');
    expect(err.details?.['methodsTried']).toEqual(['password']);
    expect(err.message).toContain('tried: password');
  });

  it('OpenSSH order: the key is used first, the password is never asked for', async () => {
    let asked = 0;
    const mark = sshd.log().length;
    await loginAndClose(
      SshConnection.connect(keyUserOptions(sshd, t, { callbacks: { password: async () => (asked++, 'x') } })),
    );
    expect(asked).toBe(0);
    expect(logSince(sshd, mark)).toMatch(/Accepted publickey/);
  });
});

describe('what is tried, and what it costs against MaxAuthTries 2', () => {
  // sshd counts every request but a first "none" toward MaxAuthTries (OpenSSH auth2.c); with 2,
  // OpenSSH's ssh gets two password prompts. PAM turns keyboard-interactive on, so the server lists it.
  let strict: Sshd;
  let st: TrustFiles;
  beforeAll(async () => {
    strict = await startSshd({ pam: true, extraConfig: ['MaxAuthTries 2', 'LoginGraceTime 10'] });
    st = trustFiles([strict]);
  });
  afterAll(async () => {
    await strict?.stop();
  });

  const failedPasswords = (log: string): number => log.match(/Failed password for hostdeck-pw/g)?.length ?? 0;

  it('a "Password" host: one wrong password leaves a second prompt, and no keyboard-interactive is sent', async () => {
    const mark = strict.log().length;
    const typed = ['wrong', strict.password];
    let interactive = 0;
    await loginAndClose(
      SshConnection.connect(
        keyUserOptions(strict, st, {
          username: strict.passwordUser,
          keyFiles: [],
          method: 'password',
          callbacks: {
            password: async () => typed.shift() ?? null,
            keyboardInteractive: async (req) => (interactive++, req.prompts.map(() => 'wrong')),
          },
        }),
      ),
    );
    expect(typed).toEqual([]);
    expect(interactive).toBe(0);
    const log = logSince(strict, mark);
    expect(failedPasswords(log)).toBe(1);
    expect(log).toMatch(/Accepted password for hostdeck-pw/);
    expect(log).not.toMatch(/keyboard-interactive/);
  });

  it('Automatic: a method the server does not list (a key, with AuthenticationMethods password) is never sent', async () => {
    const only = await startSshd({ extraConfig: ['MaxAuthTries 2', 'AuthenticationMethods password'] });
    try {
      const ot = trustFiles([only]);
      const mark = only.log().length;
      const typed = ['wrong', only.password];
      await loginAndClose(
        SshConnection.connect(
          keyUserOptions(only, ot, {
            username: only.passwordUser,
            keyFiles: [{ path: only.clientKeyPath }],
            callbacks: { password: async () => typed.shift() ?? null },
          }),
        ),
      );
      expect(typed).toEqual([]);
      const log = logSince(only, mark);
      expect(failedPasswords(log)).toBe(1);
      expect(log).not.toMatch(/publickey/);
    } finally {
      await only.stop();
    }
  });

  it('AUTH_FAILED says whether the refused password was the saved one or a typed one', async () => {
    const saved = await connectFailure(
      SshConnection.connect(
        keyUserOptions(sshd, t, { username: sshd.passwordUser, keyFiles: [], method: 'password', password: 'stale' }),
      ),
    );
    expect(saved.code).toBe('SSH_AUTH_FAILED');
    expect(saved.details?.['passwordFrom']).toBe('saved');
    expect(saved.message).toContain('password saved for this host');
    const typed = await connectFailure(
      SshConnection.connect(
        keyUserOptions(sshd, t, {
          username: sshd.passwordUser,
          keyFiles: [],
          method: 'password',
          password: 'stale',
          callbacks: { password: async () => 'typo' },
        }),
      ),
    );
    expect(typed.code).toBe('SSH_AUTH_FAILED');
    expect(typed.details?.['passwordFrom']).toBe('typed');
    expect(typed.message).toContain('password you typed');
    expect(typed.message).not.toContain('saved');
  });
});

describe('keyboard-interactive through PAM', () => {
  let pam: Sshd;
  let twoFactor: Sshd;
  let pt: TrustFiles;
  beforeAll(async () => {
    // Debian's stock "sshd" PAM service: pam_unix asks "Password:".
    pam = await startSshd({ pam: true });
    twoFactor = await startSshd({ pam: true, extraConfig: ['AuthenticationMethods publickey,keyboard-interactive'] });
    twoFactor.authorize(twoFactor.passwordUser, readFileSync(`${twoFactor.clientKeyPath}.pub`, 'utf8'));
    pt = trustFiles([pam, twoFactor]);
  });
  afterAll(async () => {
    await pam?.stop();
    await twoFactor?.stop();
  });

  it('prompts go to the callback and the answer logs in', async () => {
    const prompts: string[] = [];
    const mark = pam.log().length;
    await loginAndClose(
      SshConnection.connect(
        keyUserOptions(pam, pt, {
          username: pam.passwordUser,
          keyFiles: [],
          callbacks: {
            keyboardInteractive: async (req) => {
              prompts.push(...req.prompts.map((p) => `${p.prompt}|${String(p.echo)}`));
              return req.prompts.map(() => pam.password);
            },
          },
        }),
      ),
    );
    expect(prompts).toEqual(['Password: |false']);
    expect(logSince(pam, mark)).toMatch(/Accepted keyboard-interactive\/pam for hostdeck-pw/);
  });

  it('a wrong answer is SSH_AUTH_FAILED naming keyboard-interactive', async () => {
    const err = await connectFailure(
      SshConnection.connect(
        keyUserOptions(pam, pt, {
          username: pam.passwordUser,
          keyFiles: [],
          callbacks: { keyboardInteractive: async (req) => req.prompts.map(() => 'wrong') },
        }),
      ),
    );
    expect(err.code).toBe('SSH_AUTH_FAILED');
    expect(err.details?.['methodsTried']).toContain('keyboard-interactive');
  });

  it('second factor: key (partial success) then the prompt', async () => {
    const mark = twoFactor.log().length;
    let prompted = 0;
    await loginAndClose(
      SshConnection.connect(
        keyUserOptions(twoFactor, pt, {
          username: twoFactor.passwordUser,
          keyFiles: [{ path: twoFactor.clientKeyPath }],
          callbacks: { keyboardInteractive: async (req) => (prompted++, req.prompts.map(() => twoFactor.password)) },
        }),
      ),
    );
    expect(prompted).toBe(1);
    const log = logSince(twoFactor, mark);
    expect(log).toMatch(/Partial publickey for hostdeck-pw/);
    expect(log).toMatch(/Accepted keyboard-interactive\/pam for hostdeck-pw/);
  });
});

describe('algorithms and failures', () => {
  it('strict KEX (Terrapin fix) is negotiated, with an AEAD cipher', async () => {
    let strict = false;
    let negotiated: { cs?: { cipher?: string } } = {};
    await loginAndClose(
      SshConnection.connect(
        keyUserOptions(sshd, t, {
          onHandshake: (n, s) => {
            strict = s;
            negotiated = n as typeof negotiated;
          },
        }),
      ),
    );
    expect(strict).toBe(true);
    expect(['aes128-gcm@openssh.com', 'aes256-gcm@openssh.com', 'chacha20-poly1305@openssh.com']).toContain(
      negotiated.cs?.cipher,
    );
  });

  it.each([
    ['CBC ciphers only', ['Ciphers aes128-cbc,aes256-cbc']],
    ['SHA-1 ssh-rsa host keys only', ['HostKeyAlgorithms ssh-rsa']],
  ])('a server offering %s is refused', async (_label, extraConfig) => {
    const weak = await startSshd({ extraConfig, hostKeyType: 'rsa' });
    try {
      const wt = trustFiles([weak]);
      const mark = weak.log().length;
      const err = await connectFailure(SshConnection.connect(keyUserOptions(weak, wt)));
      expect(err.code).toBe('SSH_NO_COMMON_ALGORITHM');
      await expect.poll(() => logSince(weak, mark)).toMatch(/no matching|Unable to negotiate/);
    } finally {
      await weak.stop();
    }
  });

  it('nothing listening is SSH_CONNECTION_REFUSED', async () => {
    const port = await freePort();
    const err = await connectFailure(SshConnection.connect(keyUserOptions({ ...sshd, port } as Sshd, t)));
    expect(err.code).toBe('SSH_CONNECTION_REFUSED');
  });

  it('a name that does not resolve is SSH_HOST_UNREACHABLE', async () => {
    // .invalid never resolves (RFC 6761 §6.4), so this needs no network.
    const err = await connectFailure(
      SshConnection.connect({ ...keyUserOptions(sshd, t), host: 'hostdeck-test.invalid' }),
    );
    expect(err.code).toBe('SSH_HOST_UNREACHABLE');
    expect(err.message).toContain('hostdeck-test.invalid');
  });

  it('a server that accepts and never speaks is SSH_TIMEOUT', async () => {
    const held = new Set<net.Socket>();
    const silent = net.createServer((s) => held.add(s));
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    try {
      const port = (silent.address() as net.AddressInfo).port;
      const err = await connectFailure(
        SshConnection.connect(keyUserOptions({ ...sshd, port } as Sshd, t, { readyTimeout: 300 })),
      );
      expect(err.code).toBe('SSH_TIMEOUT');
    } finally {
      for (const s of held) s.destroy();
      await new Promise((r) => silent.close(r));
    }
  });
});
