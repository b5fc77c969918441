// Self-signed certificates made by the openssl command line, for VeNCrypt's
// X509 subtypes: real TigerVNC Xvnc reads them through -X509Cert/-X509Key, and
// hand-written TLS servers read the files. The fingerprint is openssl's own
// (`x509 -fingerprint -sha256`), worked out apart from the code under test.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

export interface SelfSignedCert {
  /** Path of the PEM certificate. */
  cert: string;
  /** Path of the PEM private key (unencrypted). */
  key: string;
  /** As `openssl x509 -fingerprint -sha256` prints it: upper-case hex pairs joined by ':'. */
  fingerprint: string;
}

export interface SelfSignedOptions {
  /** 'rsa' (2048-bit, what TigerVNC setups usually carry) or 'ec' (P-256, quicker to make). */
  keyType?: 'rsa' | 'ec';
}

const KEY_ARGS = {
  rsa: ['-newkey', 'rsa:2048'],
  ec: ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1'],
} as const;

/** Writes `<name>.pem` and `<name>.key` into dir for subject `/CN=<name>`, valid for two days. */
export function makeSelfSignedCert(dir: string, name: string, opts: SelfSignedOptions = {}): SelfSignedCert {
  const cert = join(dir, `${name}.pem`);
  const key = join(dir, `${name}.key`);
  const args = ['req', '-x509', ...KEY_ARGS[opts.keyType ?? 'rsa'], '-nodes', '-keyout', key, '-out', cert];
  execFileSync('openssl', [...args, '-days', '2', '-subj', `/CN=${name}`], { stdio: 'ignore' });
  const printed = execFileSync('openssl', ['x509', '-noout', '-fingerprint', '-sha256', '-in', cert], {
    encoding: 'utf8',
  });
  return { cert, key, fingerprint: printed.trim().split('=')[1] as string };
}

/** Xvnc's arguments to serve this certificate for the X509* security types. */
export function x509Args(c: SelfSignedCert): string[] {
  return ['-X509Cert', c.cert, '-X509Key', c.key];
}
