// Every error session logging raises, made here with a stable LOG_ code
// (shared/errors.ts) and a sentence saying what happened and what to do.
// Other modules in main/logs never build messages.
import { HostdeckError } from '../../shared/errors.js';

function why(err: unknown): string {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  switch (code) {
    case 'ENOSPC':
      return 'the disk is full';
    case 'EDQUOT':
      return 'your disk quota is used up';
    case 'EACCES':
    case 'EPERM':
      return 'Hostdeck may not write there';
    case 'ENOENT':
      return 'the folder no longer exists';
    case 'EROFS':
      return 'the disk is read-only';
    default:
      return code ?? (err instanceof Error ? err.message : String(err));
  }
}

/** LOG_WRITE_FAILED: writing a session's log failed; logging of that session stopped, the terminal goes on. */
export function logWriteFailed(file: string, err: unknown): HostdeckError<'LOG_WRITE_FAILED'> {
  const errno = (err as NodeJS.ErrnoException | undefined)?.code ?? null;
  return new HostdeckError(
    'LOG_WRITE_FAILED',
    `The session log ${file} could not be written (${why(err)}), so this session is no longer logged. The terminal still works; free some space or choose another logs folder in Settings.`,
    { file, errno },
    { cause: err },
  );
}

/** LOG_FOLDER_UNUSABLE: the logs folder could not be made or opened. */
export function logFolderUnusable(folder: string, err: unknown): HostdeckError<'LOG_FOLDER_UNUSABLE'> {
  const errno = (err as NodeJS.ErrnoException | undefined)?.code ?? null;
  return new HostdeckError(
    'LOG_FOLDER_UNUSABLE',
    `Session logs cannot go to ${folder} (${why(err)}). Choose another logs folder in Settings, or go back to the data folder.`,
    { folder, errno },
    { cause: err },
  );
}

/** LOG_NO_FOLDER_CHOICE: serve mode keeps logs in the data folder and opens no file manager. */
export function noFolderChoice(): HostdeckError<'LOG_NO_FOLDER_CHOICE'> {
  return new HostdeckError(
    'LOG_NO_FOLDER_CHOICE',
    'In the browser, session logs are kept in the data folder: choosing another folder, or opening it, needs the desktop app.',
  );
}
