// Every error an import raises before there is a preview, made in one place
// with a stable code (docs/CONTRIBUTING.md, "Conventions"). They reach the page as
// { code, message } through toApiError, so each message says which file and
// what to do; a plain Error would become "Something went wrong inside
// Hostdeck" (docs/CONTRIBUTING.md, "Conventions", errors).
import { HostdeckError } from '../../../shared/errors.js';

const MB = 1024 * 1024;

/** Makers of the IMPORT_ errors for reading files to import (size, binary content, fs errors, nothing found). */
export const importErrors = {
  tooLarge(path: string, bytes: number, limit: number): HostdeckError {
    return new HostdeckError(
      'IMPORT_TOO_LARGE',
      `${path} is ${(bytes / MB).toFixed(1)} MB; Hostdeck imports an ssh config of at most ${limit / MB} MB (with everything it includes). Is this the right file? A real ~/.ssh/config with thousands of hosts is well under 1 MB.`,
      { path, bytes, limit },
    );
  },
  notText(path: string, why: string): HostdeckError {
    return new HostdeckError(
      'IMPORT_NOT_TEXT',
      `${path} is not a text file (${why}), so it cannot be an ssh config. Choose the config file itself, usually ~/.ssh/config.`,
      { path },
    );
  },
  unreadable(path: string, code: string | undefined): HostdeckError {
    return new HostdeckError('IMPORT_UNREADABLE', `Hostdeck cannot read ${path}: ${describeFsError(code)}`, {
      path,
      ...(code ? { errno: code } : {}),
    });
  },
  nothingFound(where: readonly string[]): HostdeckError {
    return new HostdeckError(
      'IMPORT_NOTHING_FOUND',
      `No Remmina profiles (*.remmina) were found in ${where.join(' or ')}. Choose the folder or the files to import.`,
      { where },
    );
  },
};

/** A sentence for the errno codes a person can do something about. */
export function describeFsError(code: string | undefined): string {
  switch (code) {
    case 'ENOENT':
      return 'there is no such file. Check the path (a leading ~ means your home folder).';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied. It should be readable by you.';
    case 'EISDIR':
      return 'it is a folder, not a file.';
    case 'ELOOP':
      return 'it is a symbolic link that leads back to itself (a loop of links). Fix or remove the link.';
    case 'ENOTREG':
      return 'it is not a regular file (a device, a pipe or a socket).';
    case 'ENOTDIR':
      return 'a part of the path is a file, not a folder.';
    default:
      return `the system said ${code ?? 'an unknown error'}.`;
  }
}
