// The order and the material of authentication attempts, as an ssh2
// authHandler. OpenSSH's default order (ssh_config(5) PreferredAuthentications:
// publickey, keyboard-interactive, password), with the configured key files
// first and then the agent's keys, as ssh(1) offers them. Like ssh(1), the
// first request is "none" (RFC 4252 §5.2), whose failure lists the methods
// that can continue, and only those are tried: sshd counts every other
// request toward MaxAuthTries (sshd_config(5)), so a guess costs the person a
// password prompt. Secrets are asked for (or read from the store) only when
// ssh2 calls the handler, which is after the host key has been verified: a
// stored password never reaches a host whose key is not trusted
// (docs/SECURITY.md, "SSH" 1).
import { readFileSync } from 'node:fs';
import type { AnyAuthMethod, AuthHandlerMiddleware, ParsedKey, Prompt } from 'ssh2';
import { keyPassphraseWrong, keyUnreadable } from './errors.js';
import { ssh2 } from './ssh2-module.js';
import type { HostdeckError } from '../../shared/errors.js';

/** A private key to try (OpenSSH, PEM or PPK), as IdentityFile names it: `path` on this machine. */
export interface KeyFile {
  path: string;
  /** The file's bytes, when the caller already has them (tests, the store). */
  data?: Buffer;
}

/**
 * A keyboard-interactive request (RFC 4256 §3.2): the server's title, instructions and prompts, each saying whether the
 * answer may be shown as typed.
 */
export interface KeyboardInteractivePrompt {
  name: string;
  instructions: string;
  prompts: ReadonlyArray<{ prompt: string; echo: boolean }>;
}

/**
 * How the login asks the person for what is not stored. Each is optional: a missing callback means "skip that method".
 */
export interface AuthCallbacks {
  /** An encrypted key needs its passphrase; null = skip this key. `attempt` counts from 1. */
  passphrase?(path: string, attempt: number): Promise<string | null>;
  /** Server prompts (a password, a 2FA code); answers in order, or null to give up. */
  keyboardInteractive?(request: KeyboardInteractivePrompt): Promise<string[] | null>;
  /** The password, when none is stored; null = skip. */
  password?(): Promise<string | null>;
}

/** The method names of RFC 4252 §5 that Hostdeck uses. */
export type AuthMethodName = 'publickey' | 'keyboard-interactive' | 'password';

/** Who logs in and with what material; the order follows OpenSSH's PreferredAuthentications default (ssh_config(5)). */
export interface AuthOptions {
  username: string;
  /**
   * The one method the host is set to ("Password", "Key file", "Agent",
   * "Keyboard-interactive"); nothing else is tried. Absent: Automatic, every
   * method the material allows, in OpenSSH's order, if the server lists it.
   */
  method?: AuthMethodName;
  keyFiles?: readonly KeyFile[];
  /** ssh-agent socket; default SSH_AUTH_SOCK; false disables the agent. */
  agent?: string | false;
  /** A stored password (used only after the host key is trusted). */
  password?: string;
  callbacks?: AuthCallbacks;
}

/** Passphrase attempts per key before moving on, as ssh(1) (NumberOfPasswordPrompts). */
const PASSPHRASE_TRIES = 3;
/** Password attempts, as ssh(1)'s NumberOfPasswordPrompts. */
const PASSWORD_TRIES = 3;

type Step = { method: AuthMethodName; make: () => Promise<AnyAuthMethod | null> };

/** Where the last password sent came from, for AUTH_FAILED's message. */
export type PasswordSource = 'saved' | 'typed';

/**
 * The host's saved setting as the method to try (shared/model/host.ts
 * AuthMethod); undefined is Automatic. Key file and agent are both publickey.
 */
export function authMethodName(
  auth: { type: 'password' | 'privateKey' | 'agent' | 'keyboardInteractive' } | undefined,
): AuthMethodName | undefined {
  if (auth === undefined) return undefined;
  return auth.type === 'password'
    ? 'password'
    : auth.type === 'keyboardInteractive'
      ? 'keyboard-interactive'
      : 'publickey';
}

/** Builds ssh2's authHandler plus the record of what was tried, for AUTH_FAILED. */
export class AuthPlan {
  /** Methods sent, in order (RFC 4252 names; the "none" probe is not counted). */
  readonly tried: string[] = [];
  /** A key whose passphrase was wrong every time: the clearest reason to report. */
  keyError: HostdeckError | null = null;
  /** Where the last password sent came from; null when none was sent. */
  passwordFrom: PasswordSource | null = null;
  readonly #username: string;
  readonly #steps: Step[];
  readonly #onWaitPerson: (waiting: boolean) => void;

  constructor(opts: AuthOptions, onWaitPerson: (waiting: boolean) => void) {
    this.#onWaitPerson = onWaitPerson;
    this.#username = opts.username;
    this.#steps = [...this.#keySteps(opts), ...this.#interactiveSteps(opts), ...this.#passwordSteps(opts)].filter(
      (step) => opts.method === undefined || step.method === opts.method,
    );
  }

  #keySteps(opts: AuthOptions): Step[] {
    const user = opts.username;
    const cb = opts.callbacks ?? {};
    const steps: Step[] = [];
    for (const file of opts.keyFiles ?? []) {
      steps.push({
        method: 'publickey',
        make: async () => {
          const key = await this.#loadKey(file, cb);
          return key ? { type: 'publickey', username: user, key } : null;
        },
      });
    }
    const agent = opts.agent === undefined ? process.env['SSH_AUTH_SOCK'] : opts.agent;
    if (agent) steps.push({ method: 'publickey', make: async () => ({ type: 'agent', username: user, agent }) });
    return steps;
  }

  #interactiveSteps(opts: AuthOptions): Step[] {
    const user = opts.username;
    const cb = opts.callbacks ?? {};
    const steps: Step[] = [];
    if (cb.keyboardInteractive) {
      const ask = cb.keyboardInteractive.bind(cb);
      // A host set to "Keyboard-interactive" with a saved password: the saved
      // password answers the first round when it is one hidden prompt (the
      // PAM "Password:" case), once; anything else goes to the person.
      let savedLeft = opts.method === 'keyboard-interactive' ? opts.password : undefined;
      steps.push({
        method: 'keyboard-interactive',
        make: async () => ({
          type: 'keyboard-interactive',
          username: user,
          prompt: (
            name: string,
            instructions: string,
            _lang: string,
            prompts: Prompt[],
            finish: (answers: string[]) => void,
          ) => {
            // An empty INFO_REQUEST (RFC 4256 §3.2) needs an empty answer, not a question to the person.
            if (prompts.length === 0) return finish([]);
            if (savedLeft !== undefined && prompts.length === 1 && prompts[0]?.echo !== true) {
              const saved = savedLeft;
              savedLeft = undefined;
              this.passwordFrom = 'saved';
              return finish([saved]);
            }
            void this.#person(() =>
              ask({ name, instructions, prompts: prompts.map((p) => ({ prompt: p.prompt, echo: p.echo === true })) }),
            ).then(
              (answers) => finish(answers ?? prompts.map(() => '')),
              () => finish(prompts.map(() => '')),
            );
          },
        }),
      });
    }
    return steps;
  }

  #passwordSteps(opts: AuthOptions): Step[] {
    const user = opts.username;
    const cb = opts.callbacks ?? {};
    const steps: Step[] = [];
    if (opts.password !== undefined || cb.password) {
      // Like ssh(1)'s NumberOfPasswordPrompts (3): a wrong password is asked
      // for again, and a stored one that the server refuses counts as the
      // first try before the person is asked.
      let askedUp = false;
      for (let i = 0; i < PASSWORD_TRIES; i++) {
        steps.push({
          method: 'password',
          make: async () => {
            let password: string | null = null;
            if (i === 0 && opts.password !== undefined) {
              password = opts.password;
              this.passwordFrom = 'saved';
            } else if (cb.password && !askedUp) {
              password = await this.#person(() => (cb.password as () => Promise<string | null>)());
              this.passwordFrom = password === null ? this.passwordFrom : 'typed';
            }
            if (password === null) askedUp = true; // the person cancelled: stop asking
            return password === null ? null : { type: 'password', username: user, password };
          },
        });
      }
    }
    return steps;
  }

  /**
   * ssh2's authHandler: "none" first, then each step whose method the
   * server's last USERAUTH_FAILURE lists (RFC 4252 §5.1), false when none is
   * left (ssh2 then fails with level 'client-authentication').
   */
  handler(): AuthHandlerMiddleware {
    let next = 0;
    let probed = false;
    return (methodsLeft, _partial, callback) => {
      if (!probed) {
        probed = true;
        // RFC 4252 §5.2; sshd does not count a first "none" toward MaxAuthTries (OpenSSH auth2.c).
        return callback({ type: 'none', username: this.#username });
      }
      const pick = async (): Promise<AnyAuthMethod | false> => {
        while (next < this.#steps.length) {
          const step = this.#steps[next++] as Step;
          if (!methodsLeft?.includes(step.method)) continue;
          const method = await step.make();
          if (method) {
            this.tried.push(method.type);
            return method;
          }
        }
        return false;
      };
      pick().then(
        (m) => callback(m as AnyAuthMethod),
        () => callback(false as unknown as AnyAuthMethod),
      );
    };
  }

  async #person<T>(fn: () => Promise<T>): Promise<T> {
    // The connection's timeout must not run while the person is typing.
    this.#onWaitPerson(true);
    try {
      return await fn();
    } finally {
      this.#onWaitPerson(false);
    }
  }

  async #loadKey(file: KeyFile, cb: AuthCallbacks): Promise<ParsedKey | null> {
    let data: Buffer;
    try {
      data = file.data ?? readFileSync(file.path);
    } catch (err) {
      this.keyError ??= keyUnreadable(
        file.path,
        (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'the file does not exist' : 'the file cannot be read',
      );
      return null;
    }
    const plain = ssh2().utils.parseKey(data);
    if (!(plain instanceof Error)) return firstKey(plain);
    if (!/passphrase/i.test(plain.message)) {
      this.keyError ??= keyUnreadable(file.path, 'it is not a private key Hostdeck understands (OpenSSH, PEM or PPK)');
      return null;
    }
    if (!cb.passphrase) {
      this.keyError ??= keyPassphraseWrong(file.path);
      return null;
    }
    for (let attempt = 1; attempt <= PASSPHRASE_TRIES; attempt++) {
      const passphrase = await this.#person(() =>
        (cb.passphrase as NonNullable<AuthCallbacks['passphrase']>)(file.path, attempt),
      );
      if (passphrase === null) return null;
      const key = ssh2().utils.parseKey(data, passphrase);
      if (!(key instanceof Error)) return firstKey(key);
    }
    this.keyError ??= keyPassphraseWrong(file.path);
    return null;
  }
}

function firstKey(k: ParsedKey | ParsedKey[]): ParsedKey | null {
  return Array.isArray(k) ? (k[0] ?? null) : k;
}
