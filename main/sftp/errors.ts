// The one place SFTP_ errors are made (shared/errors.ts, "Who writes the
// sentence"): the sentence is the English one from shared/sftp-messages.ts;
// specifics (the server's own text, a path, an errno) go in details.
import { HostdeckError, type SftpErrorCode } from '../../shared/errors.js';
import { SFTP_MESSAGES } from '../../shared/sftp-messages.js';
import { FX } from './wire.js';

/** A HostdeckError for an SFTP_ code, message from SFTP_MESSAGES (en); specifics go in details, the original error in cause. */
export function sftpError(
  code: SftpErrorCode,
  details?: Record<string, unknown>,
  cause?: unknown,
): HostdeckError<SftpErrorCode> {
  return new HostdeckError(code, SFTP_MESSAGES[code].en, details, cause === undefined ? undefined : { cause });
}

/** An SSH_FXP_STATUS that is not OK (draft-ietf-secsh-filexfer-02 §7), as our code. */
export function statusError(status: number, serverText: string, op: string): HostdeckError<SftpErrorCode> {
  const details = { op, status, server: serverText.slice(0, 300) };
  switch (status) {
    case FX.NO_SUCH_FILE:
      return sftpError('SFTP_NOT_FOUND', details);
    case FX.PERMISSION_DENIED:
      return sftpError('SFTP_PERMISSION_DENIED', details);
    case FX.NO_CONNECTION:
    case FX.CONNECTION_LOST:
      return sftpError('SFTP_CLOSED', details);
    case FX.BAD_MESSAGE:
      return sftpError('SFTP_PROTOCOL', details);
    default:
      return sftpError('SFTP_FAILURE', details);
  }
}

/** A local file-system error (Node's errno codes) as SFTP_LOCAL_IO. */
export function localIoError(err: unknown, op: string): HostdeckError {
  if (err instanceof HostdeckError) return err;
  const errno = (err as NodeJS.ErrnoException | undefined)?.code ?? 'unknown';
  return sftpError('SFTP_LOCAL_IO', { op, errno }, err);
}
