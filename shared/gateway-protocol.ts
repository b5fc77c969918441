// What the gateway tells the page when it closes a session's WebSocket: a
// close code (RFC 6455 §7.4; 4000–4999 are ours) and a short reason the tab
// can show or map to a sentence. Shared by main (which closes) and the
// renderer (which explains), so neither hard-codes numbers. No Node here.

/**
 * WebSocket close codes the gateway sends the page (RFC 6455 §7.4; 4000–4999 are private use): standard ones for
 * protocol trouble, ours for why the target went away.
 */
export const GatewayClose = {
  /** The target ended the session normally, or the page asked to close. */
  NORMAL: 1000,
  /** The gateway is shutting down (the app quits). */
  GOING_AWAY: 1001,
  /** The page broke the WebSocket protocol (RFC 6455 §7.4.1). */
  PROTOCOL_ERROR: 1002,
  /** A text frame reached a target that takes no control messages. */
  UNSUPPORTED_DATA: 1003,
  /** A message larger than the gateway's maxPayload. */
  TOO_BIG: 1009,
  /** Something inside the gateway or the target's control handler failed. */
  INTERNAL: 1011,
  /** The target actively refused the connection (ECONNREFUSED). */
  TARGET_REFUSED: 4001,
  /** The target could not be reached in time (timeout, no route, no such host). */
  TARGET_UNREACHABLE: 4002,
  /** The target closed the session. */
  TARGET_CLOSED: 4003,
  /** The target's stream failed after it was open (reset, broken pipe...). */
  TARGET_ERROR: 4004,
  /** The opener refused for a reason of its own; the reason holds its code. */
  TARGET_OPEN_FAILED: 4005,
} as const;

/** One of the numbers in GatewayClose. */
export type GatewayCloseCode = (typeof GatewayClose)[keyof typeof GatewayClose];

/**
 * Close reasons the gateway puts next to its code. Short ASCII: RFC 6455 §5.5 caps a control frame's payload at 125
 * bytes, two of them the code.
 */
export const GatewayCloseReason = {
  TARGET_REFUSED: 'target refused the connection',
  TARGET_UNREACHABLE: 'target unreachable',
  TARGET_CLOSED: 'target closed',
  TARGET_ERROR: 'target error',
  TARGET_OPEN_FAILED: 'target could not be opened',
  TEXT_NOT_ACCEPTED: 'text frames are not accepted',
  CONTROL_FAILED: 'control message failed',
  SHUTTING_DOWN: 'gateway shutting down',
  REVOKED: 'session revoked',
} as const;

/** How the gateway ends a session's WebSocket (Session.close): the close frame's code and reason. */
export interface GatewayCloseInfo {
  code: GatewayCloseCode;
  reason: string;
}

// errno codes that mean "nobody answered" rather than "someone said no".
const UNREACHABLE = new Set([
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EHOSTDOWN',
  'ENETDOWN',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EADDRNOTAVAIL',
  'VNC_HOST_UNREACHABLE',
  'VNC_HOST_NOT_FOUND',
  'SSH_HOST_UNREACHABLE',
]);
// The same two answers when main already turned the errno into one of its codes.
const REFUSED = new Set(['ECONNREFUSED', 'VNC_CONNECTION_REFUSED', 'SSH_CONNECTION_REFUSED']);

// A close reason is at most 123 bytes of UTF-8 (RFC 6455 §5.5: 125-byte control
// payload minus the 2-byte code). Only short ASCII codes pass through, so an
// error can never smuggle a long or internal message (or a ticket) to the page.
const PASSABLE_CODE = /^[A-Z][A-Z0-9_]{1,47}$/;

/**
 * The close code and reason for a target that failed to open or failed while
 * open, from the error's `code` (an errno like ECONNREFUSED, or a
 * HostdeckError code such as SSH_AUTH_FAILED, passed through as the reason).
 */
export function closeForTargetError(code: unknown, whileOpen: boolean): GatewayCloseInfo {
  const c = typeof code === 'string' ? code : undefined;
  if (c !== undefined && REFUSED.has(c))
    return { code: GatewayClose.TARGET_REFUSED, reason: GatewayCloseReason.TARGET_REFUSED };
  if (c !== undefined && UNREACHABLE.has(c))
    return { code: GatewayClose.TARGET_UNREACHABLE, reason: `${GatewayCloseReason.TARGET_UNREACHABLE}: ${c}` };
  if (whileOpen) {
    return {
      code: GatewayClose.TARGET_ERROR,
      reason:
        c !== undefined && PASSABLE_CODE.test(c)
          ? `${GatewayCloseReason.TARGET_ERROR}: ${c}`
          : GatewayCloseReason.TARGET_ERROR,
    };
  }
  return {
    code: GatewayClose.TARGET_OPEN_FAILED,
    reason: c !== undefined && PASSABLE_CODE.test(c) ? c : GatewayCloseReason.TARGET_OPEN_FAILED,
  };
}

/**
 * The Hostdeck error code a gateway close carries, when it carries one: the
 * reason of TARGET_OPEN_FAILED ("SSH_DISCONNECTED") or the suffix of
 * TARGET_ERROR ("target error: SSH_DISCONNECTED"), as
 * closeForTargetError() wrote them; undefined for any other close.
 */
export function closeErrorCode(code: number, reason: string): string | undefined {
  if (code === GatewayClose.TARGET_OPEN_FAILED) return PASSABLE_CODE.test(reason) ? reason : undefined;
  const prefix = `${GatewayCloseReason.TARGET_ERROR}: `;
  if (code === GatewayClose.TARGET_ERROR && reason.startsWith(prefix)) {
    const c = reason.slice(prefix.length);
    return PASSABLE_CODE.test(c) ? c : undefined;
  }
  return undefined;
}

/** A sentence for the person, from a close event the page received. */
export function describeGatewayClose(code: number, reason: string): string {
  switch (code) {
    case GatewayClose.NORMAL:
    case GatewayClose.TARGET_CLOSED:
      return 'The remote side closed the session.';
    case GatewayClose.GOING_AWAY:
      return 'Hostdeck is shutting down.';
    case GatewayClose.TARGET_REFUSED:
      return 'The remote machine refused the connection. Check the address and port, and that the service is running.';
    case GatewayClose.TARGET_UNREACHABLE:
      return 'The remote machine could not be reached. Check the address and your network.';
    case GatewayClose.TARGET_ERROR:
      return 'The connection to the remote machine broke. Try to reconnect.';
    case GatewayClose.TARGET_OPEN_FAILED:
      return `The session could not be opened (${reason || 'unknown reason'}).`;
    default:
      return `The session ended (code ${code}${reason ? `: ${reason}` : ''}).`;
  }
}
