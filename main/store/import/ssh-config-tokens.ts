// ssh_config(5) TOKENS and the `~` and ${VAR} expansions of path options
// (IdentityFile, CertificateFile, UserKnownHostsFile...), in the order
// ssh.c applies them: tilde first, then ${VAR}, then %-tokens. Hostname
// takes only %h and %%. OpenSSH 9.2 stops on an unknown token; so does this,
// with a reason the preview shows.
import { createHash } from 'node:crypto';

/** Facts about this machine that ssh_config tokens and `~` expand to (ssh_config(5) TOKENS). */
export interface LocalFacts {
  /** %d and ~: the local user's home. */
  homeDir: string;
  /** %u */
  userName: string;
  /** %i */
  uid: number;
  /** %l (with domain); %L is its first label. */
  hostName: string;
  /** For ${VAR}. */
  env: Readonly<Record<string, string | undefined>>;
}

/** Facts about the destination that %h, %n, %p, %r and %k expand to. */
export interface Destination {
  /** %h: the host name after HostName, lower-cased as ssh does. */
  hostname: string;
  /** %n: the name given to ssh. */
  original: string;
  /** %p */
  port: number;
  /** %r: User, or the local user. */
  user: string;
  /** %k: HostKeyAlias, or the name given to ssh. */
  hostKeyAlias: string;
}

/** An expanded value, or why it cannot be expanded here (an unknown token, an unset ${VAR}). */
export type Expanded = { ok: true; value: string } | { ok: false; reason: string };

/** `%h` and `%%` in HostName. */
export function expandHostname(value: string, original: string): Expanded {
  return percent(value, (t) => (t === 'h' ? original : undefined));
}

/** A path option: `~`, `${VAR}`, then %%, %C, %d, %h, %i, %k, %L, %l, %n, %p, %r, %u. */
export function expandPath(value: string, local: LocalFacts, dest: Destination): Expanded {
  let v = value;
  if (v === '~' || v.startsWith('~/')) v = local.homeDir + v.slice(1);
  else if (v.startsWith('~'))
    return { ok: false, reason: `"${value}" names another user's home (~user); Hostdeck expands only ~ and ~/` };
  const env = dollar(v, local.env);
  if (!env.ok) return env;
  const l = local.hostName;
  const port = String(dest.port);
  return percent(env.value, (t) => {
    switch (t) {
      case 'C':
        // Hashed only when used: most configs never ask for it.
        return createHash('sha1').update(`${l}${dest.hostname}${port}${dest.user}`).digest('hex');
      case 'd':
        return local.homeDir;
      case 'h':
        return dest.hostname;
      case 'i':
        return String(local.uid);
      case 'k':
        return dest.hostKeyAlias;
      case 'L':
        return l.split('.')[0] ?? l;
      case 'l':
        return l;
      case 'n':
        return dest.original;
      case 'p':
        return port;
      case 'r':
        return dest.user;
      case 'u':
        return local.userName;
      default:
        return undefined;
    }
  });
}

function percent(value: string, token: (t: string) => string | undefined): Expanded {
  if (!value.includes('%')) return { ok: true, value };
  let out = '';
  for (let i = 0; i < value.length; i++) {
    const c = value[i] as string;
    if (c !== '%') {
      out += c;
      continue;
    }
    const t = value[++i];
    const v = t === undefined ? undefined : t === '%' ? '%' : token(t);
    if (v !== undefined) out += v;
    else
      return {
        ok: false,
        reason:
          t === undefined
            ? `"${value}" ends with a lone "%" (write %% for a percent sign)`
            : `"${value}" uses %${t}, which ssh does not expand here`,
      };
  }
  return { ok: true, value: out };
}

function dollar(value: string, env: LocalFacts['env']): Expanded {
  let bad: string | undefined;
  const out = value.replace(/\$\{([^}]*)\}/g, (_m, name: string) => {
    const v = env[name];
    if (v === undefined && bad === undefined) bad = name;
    return v ?? '';
  });
  return bad === undefined
    ? { ok: true, value: out }
    : { ok: false, reason: `"${value}" uses \${${bad}}, which is not set in Hostdeck's environment` };
}
