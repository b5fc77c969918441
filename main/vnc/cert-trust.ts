// Trust on first use for VNC server certificates (VeNCrypt X509 types), the
// way known_hosts works for SSH host keys: the first fingerprint for a
// host:port is shown to the person and remembered; a different one later is
// refused ('changed'), never silently replaced. One small JSON file, 0600,
// replaced atomically.
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';

/**
 * What the trust file says of a certificate's fingerprint for a host:port: the same one, none yet, or a different one.
 */
export type CertVerdict = 'trusted' | 'unknown' | 'changed';

/**
 * The TOFU store for VeNCrypt X509 server certificates: host:port (host lower-cased) → SHA-256 fingerprint, in one JSON
 * file at `path`.
 */
export class VncCertificateTrust {
  readonly #path: string;

  constructor(path: string) {
    this.#path = path;
  }

  /**
   * Compares `fingerprint` with the one remembered for host:port. A missing or damaged file means 'unknown'; never
   * throws.
   */
  verdict(host: string, port: number, fingerprint: string): CertVerdict {
    const known = this.#read()[key(host, port)];
    if (known === undefined) return 'unknown';
    return known === fingerprint ? 'trusted' : 'changed';
  }

  /**
   * Stores `fingerprint` for host:port, replacing any earlier one, by writing a 0600 temp file and renaming it over the
   * store. Throws Node's fs errors (EACCES, ENOSPC) as they are.
   */
  remember(host: string, port: number, fingerprint: string): void {
    const all = this.#read();
    all[key(host, port)] = fingerprint;
    const tmp = `${this.#path}.${process.pid}.tmp`;
    writeFileSync(tmp, `${JSON.stringify(all, null, 2)}\n`, { mode: 0o600 });
    renameSync(tmp, this.#path);
  }

  #read(): Record<string, string> {
    if (!existsSync(this.#path)) return {};
    try {
      const v: unknown = JSON.parse(readFileSync(this.#path, 'utf8'));
      if (typeof v !== 'object' || v === null || Array.isArray(v)) return {};
      return Object.fromEntries(Object.entries(v).filter((e): e is [string, string] => typeof e[1] === 'string'));
    } catch {
      // A damaged file trusts nothing (every certificate is asked about again); it is not rewritten until a new decision.
      return {};
    }
  }
}

function key(host: string, port: number): string {
  return `${host.toLowerCase()}:${port}`;
}
