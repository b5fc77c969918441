// "Remember" for secrets typed into a prompt during an open, shared by the
// SSH and VNC opens.
import { HostdeckError } from '../../../shared/errors.js';
import type { ApiEvents } from '../../../shared/api/contract.js';
import type { AddressBookStore } from '../../store/address-book-store.js';

/** Sends an API event to the page, typed by shared/api/contract.ts. */
export type Emit = <E extends keyof ApiEvents>(event: E, payload: ApiEvents[E]) => void;

/**
 * "Remember" is offered only when a secret can be sealed right now (a real
 * keyring, or an unlocked master password); otherwise it would fail after
 * the person ticked it.
 */
export function canSeal(store: AddressBookStore): boolean {
  return !store.secretsStatus().locked;
}

/** Seals a typed secret; failing to seal is a warning, and the session still goes on. */
export function rememberSecret(
  store: AddressBookStore,
  emit: Emit,
  hostId: string,
  kind: 'password' | 'passphrase' | 'vncPassword',
  value: string,
): void {
  try {
    store.setSecret(hostId, kind, value);
  } catch (err) {
    // Sealing needs a master password or a keyring.
    emit('store.warning', {
      code: err instanceof HostdeckError ? err.code : 'SECRETS_FAILED',
      message: err instanceof Error ? err.message : String(err),
    });
  }
}
