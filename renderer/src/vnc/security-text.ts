// The VNC tab's security line, from what main says about the connection
// (SessionTicket.vnc). Kept apart from the tab so it can be tested without
// noVNC or a canvas.
import type { VncTicketInfo } from '../../../shared/api/contract.js';
import { joinSentences, t } from '../i18n/i18n.js';

/**
 * The VNC tab's security line: what protects the wire, honestly, in every
 * case (TLS, SSH all the way, SSH only part of the way, nothing), why there
 * is no TLS when the server's TLS was anonymous, and for a passthrough that
 * the page does the login.
 */
export function vncSecurityText(v: VncTicketInfo): string {
  const security = v.security;
  const wire =
    v.wire === 'tls'
      ? t('vnc.encrypted', { security })
      : v.wire === 'ssh'
        ? t('vnc.encrypted.ssh', { security, via: v.via ?? '' })
        : v.wire === 'ssh-partial'
          ? t('vnc.partial.ssh', { security, via: v.via ?? '', target: v.target ?? '' })
          : t('vnc.unencrypted', { security });
  const parts = [wire];
  if (v.anonymousTlsSkipped && v.wire !== 'tls' && v.wire !== 'ssh')
    parts.push(t('vnc.noAnonymousTls', { subtypes: v.anonymousTlsSkipped.join(', ') }));
  if (v.passthrough) parts.push(t('vnc.passthrough'));
  return joinSentences(parts);
}
