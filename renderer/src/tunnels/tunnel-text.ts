// What a person reads about a forward: its one-line description, its address
// to copy, and why it failed, in the page's language. TUNNEL_ codes are
// explained from the error's `details` (shared/errors.ts PAGE_EXPLAINED);
// any other code (a login's SSH_ codes) shows main's sentence.
import { PAGE_EXPLAINED, type ApiError } from '../../../shared/errors.js';
import type { PortForward } from '../../../shared/model/host.js';
import type { ForwardStatus } from '../../../shared/tunnels.js';
import { t } from '../i18n/i18n.js';
import type { MessageKey } from '../i18n/en.js';

/** host:port, IPv6 in brackets. */
export function hostPort(address: string, port: number | string): string {
  return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
}

/** "127.0.0.1:8080 → db:5432", "server 127.0.0.1:9000 → localhost:3000", "127.0.0.1:1080, SOCKS5 proxy". */
export function describeForward(spec: PortForward, status?: ForwardStatus): string {
  // A port 0 shows the port actually bound once there is one.
  const port = spec.bindPort === 0 && status?.listening ? status.listening.port : spec.bindPort || '*';
  const bind = hostPort(spec.bindAddress, port);
  const target = hostPort(spec.targetHost ?? '', spec.targetPort ?? '');
  return t(`tunnels.describe.${spec.kind}`, { bind, target });
}

/** What Copy address puts on the clipboard: host:port, or a socks5h:// URL for a dynamic forward (names resolved far side). */
export function copyText(status: ForwardStatus): string | null {
  if (!status.listening) return null;
  const at = hostPort(status.listening.address, status.listening.port);
  return status.kind === 'dynamic' ? `socks5h://${at}` : at;
}

/**
 * Why a forward is reconnecting. Main's sentence for a lost link ends with
 * advice for the person ("reconnect when the host is reachable again"),
 * which beside "Reconnecting in N s" reads as a task that is Hostdeck's: the
 * page says only what happened. Other codes read as errorText().
 */
export function retryReasonText(error: ApiError): string {
  if (error.code !== 'SSH_DISCONNECTED') return errorText(error);
  return t(error.details?.['reason'] === 'keepalive-timeout' ? 'tunnels.linkLost.keepalive' : 'tunnels.linkLost');
}

/** Why a forward failed, in the page's language when the page explains the code; main's sentence otherwise. */
export function errorText(error: ApiError): string {
  const key = (PAGE_EXPLAINED as Partial<Record<string, MessageKey>>)[error.code];
  if (key === undefined || !error.code.startsWith('TUNNEL_')) return error.message;
  const params: Record<string, string | number> = {};
  for (const [name, value] of Object.entries(error.details ?? {}))
    if (typeof value === 'string' || typeof value === 'number') params[name] = value;
  if (error.code === 'TUNNEL_CHANNEL_REFUSED') params['answer'] = serverAnswer(error.details ?? {});
  // A catalog sentence missing one of its facts would show "{port}": main's sentence is better.
  const needs = [...t(key).matchAll(/\{(\w+)\}/g)].map((m) => m[1] ?? '');
  return needs.every((name) => name in params) ? t(key, params) : error.message;
}

/** The server's refusal (RFC 4254 §5.1): its reason code in words, then its own text as it sent it. */
function serverAnswer(details: Record<string, unknown>): string {
  const reason = details['reason'];
  const text = typeof details['serverText'] === 'string' ? details['serverText'] : '';
  const words =
    typeof reason === 'number' && reason >= 1 && reason <= 4
      ? t(`tunnels.reason.${reason}` as MessageKey)
      : typeof reason === 'number'
        ? String(reason)
        : '';
  return [words, text ? `“${text}”` : ''].filter(Boolean).join(': ');
}
