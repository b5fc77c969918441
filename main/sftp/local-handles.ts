// Local files the page may use, by handle. The page never names a local
// path (docs/SECURITY.md): main issues a handle when the person picks a file
// or folder in a native dialog or drops one from the OS, and the page passes
// only the handle's id. An id main did not issue fails with
// SFTP_LOCAL_HANDLE_UNKNOWN, so a compromised page cannot point a download
// at ~/.bashrc or an upload at ~/.ssh/id_ed25519.
import { randomBytes } from 'node:crypto';
import { lstatSync } from 'node:fs';
import { basename, isAbsolute } from 'node:path';
import type { LocalHandle } from '../../shared/sftp.js';
import { localIoError, sftpError } from './errors.js';

interface Issued {
  handle: LocalHandle;
  path: string;
}

/** Handles a session may hold; the oldest is forgotten past this. */
const MAX_HANDLES = 10_000;

/** Opaque ids for local paths the person chose; an unknown id fails with SFTP_LOCAL_HANDLE_UNKNOWN. */
export class LocalHandles {
  readonly #issued = new Map<string, Issued>();

  /**
   * Issues a handle for a path the person chose (a dialog's result or an OS
   * drop, never the page's text). Throws SFTP_LOCAL_IO when it cannot be read.
   */
  issue(path: string): LocalHandle {
    if (!isAbsolute(path)) throw sftpError('SFTP_LOCAL_HANDLE_UNKNOWN', { reason: 'not absolute' });
    let kind: LocalHandle['kind'];
    let size: number | undefined;
    try {
      const st = lstatSync(path);
      if (st.isDirectory()) kind = 'folder';
      else if (st.isFile()) [kind, size] = ['file', st.size];
      else throw Object.assign(new Error('not a file or folder'), { code: 'EINVAL' });
    } catch (err) {
      throw localIoError(err, 'stat');
    }
    const id = randomBytes(18).toString('base64url');
    const handle: LocalHandle = { id, name: basename(path), kind, ...(size === undefined ? {} : { size }) };
    this.#issued.set(id, { handle, path });
    if (this.#issued.size > MAX_HANDLES) this.#issued.delete(this.#issued.keys().next().value as string);
    return handle;
  }

  /** The path behind a handle. Throws SFTP_LOCAL_HANDLE_UNKNOWN (also for the wrong kind). */
  resolve(id: string, kind?: LocalHandle['kind']): { path: string; handle: LocalHandle } {
    const issued = this.#issued.get(id);
    if (!issued || (kind && issued.handle.kind !== kind)) throw sftpError('SFTP_LOCAL_HANDLE_UNKNOWN');
    return issued;
  }

  /** Forgets every issued handle. */
  clear(): void {
    this.#issued.clear();
  }
}
