// Every error the store raises, made in one place with a stable code
// (docs/CONTRIBUTING.md, "Conventions"). Messages say what happened and what to do.
import { HostdeckError } from '../../shared/errors.js';
import type { FieldError } from '../../shared/model/validate.js';

/**
 * Makers of the STORE_ and SECRETS_ errors (and IMPORT_INVALID for a bad export), each with the sentence the person
 * reads.
 */
export const storeErrors = {
  locked(lockPath: string, pid: number): HostdeckError {
    return new HostdeckError(
      'STORE_LOCKED',
      `Another Hostdeck (process ${pid}) is already using this address book. Close it first, or start this one with a different data folder. If no Hostdeck is running, delete ${lockPath}.`,
      { path: lockPath, pid },
    );
  },
  unreadable(path: string, code: string): HostdeckError {
    return new HostdeckError(
      'STORE_UNREADABLE',
      `Hostdeck cannot read its address book at ${path} (${code}). The file was left as it is; check its owner and permissions (it should be yours, mode 0600).`,
      { path },
    );
  },
  invalid(errors: FieldError[]): HostdeckError {
    const first = errors[0];
    return new HostdeckError('STORE_INVALID', first ? `${first.field}: ${first.message}` : 'The change is not valid.', {
      errors,
    });
  },
  unknownHost(id: string): HostdeckError {
    return new HostdeckError(
      'STORE_UNKNOWN_HOST',
      `There is no saved host with id "${id}"; it may have been deleted.`,
      { id },
    );
  },
  hostInUse(id: string, users: string[]): HostdeckError {
    return new HostdeckError(
      'STORE_HOST_IN_USE',
      `Other hosts or folders go through this host (${users.slice(0, 5).join(', ')}); change them first.`,
      { id, users },
    );
  },
  readOnly(): HostdeckError {
    return new HostdeckError(
      'STORE_READ_ONLY',
      'The address book could not be upgraded, so it is open read-only to keep your file safe. See the warning for where the file is.',
    );
  },
  closed(): HostdeckError {
    return new HostdeckError('STORE_CLOSED', 'The address book is closed.');
  },
  wrongPassword(): HostdeckError {
    return new HostdeckError('SECRETS_WRONG_PASSWORD', 'That password is not right. Nothing was changed; try again.');
  },
  secretsLocked(): HostdeckError {
    return new HostdeckError(
      'SECRETS_LOCKED',
      'Saved passwords are locked. Unlock them with your master password first.',
    );
  },
  noMasterPassword(): HostdeckError {
    return new HostdeckError(
      'SECRETS_NO_MASTER_PASSWORD',
      'Set a master password first: it protects saved passwords on this machine.',
    );
  },
  masterPasswordExists(): HostdeckError {
    return new HostdeckError(
      'SECRETS_MASTER_PASSWORD_SET',
      'A master password is already set; use "change master password" instead.',
    );
  },
  weakPassword(min: number): HostdeckError {
    return new HostdeckError('SECRETS_WEAK_PASSWORD', `Use a password of at least ${min} characters.`);
  },
  keyringInUse(): HostdeckError {
    return new HostdeckError(
      'SECRETS_KEYRING_IN_USE',
      'Your saved passwords are sealed by the system keyring; no master password is needed.',
    );
  },
  keyringUnavailable(reason: string): HostdeckError {
    return new HostdeckError(
      'SECRETS_KEYRING_UNAVAILABLE',
      `Your saved passwords are sealed by the system keyring, which is not available now (${reason}). They stay sealed and safe: start Hostdeck in a session where the keyring is unlocked.`,
    );
  },
  sealBroken(hostId: string): HostdeckError {
    return new HostdeckError(
      'SECRETS_CORRUPT',
      `The saved secret for host "${hostId}" cannot be opened (it was changed or belongs to another machine). Save it again.`,
      { hostId },
    );
  },
  secretTooLong(max: number): HostdeckError {
    return new HostdeckError('SECRETS_TOO_LONG', `A secret is at most ${max} characters.`);
  },
  importInvalid(message: string): HostdeckError {
    return new HostdeckError('IMPORT_INVALID', message);
  },
};
