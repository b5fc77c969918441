// Host-name and address syntax. A typo here becomes a DNS query or a
// connection to the wrong machine, so anything doubtful is refused with a
// reason. Host names: RFC 1123 §2.1 (labels of letters, digits and hyphens,
// 1–63 octets, 253 in all). IPv4: dotted quad, no leading zeros (inet_aton
// reads "010" as octal). IPv6: RFC 4291 §2.2 text forms, with an optional
// zone (RFC 6874) for link-local addresses; brackets are accepted (people
// paste them from URLs, RFC 3986 §3.2.2) and removed.

/** What checkAddress recognised: a DNS name, a dotted-quad IPv4, or an IPv6 literal (with or without a `%zone`). */
export type AddressKind = 'hostname' | 'ipv4' | 'ipv6';

/**
 * checkAddress's answer: the address trimmed (IPv6 without brackets) and its kind, or a field-error code and a sentence
 * for the form.
 */
export type AddressCheck =
  { ok: true; kind: AddressKind; address: string } | { ok: false; code: string; message: string };

const HEX_GROUP = /^[0-9a-f]{1,4}$/i;
const ZONE = /^[A-Za-z0-9_.-]{1,32}$/;

/**
 * Strict dotted-quad: four decimal parts 0–255, no leading zeros (inet_aton would read "010" as octal), no shorthand
 * like "127.1".
 */
export function isIPv4(text: string): boolean {
  // A scanner, not split + regex: this runs for every host on every load.
  let parts = 0;
  let value = 0;
  let digits = 0;
  for (let i = 0; i <= text.length; i++) {
    const c = i < text.length ? text.charCodeAt(i) : 46;
    if (c === 46) {
      if (digits === 0 || value > 255) return false;
      parts++;
      value = 0;
      digits = 0;
    } else if (c >= 48 && c <= 57) {
      // No leading zeros: "010" is octal to inet_aton.
      if (digits === 1 && value === 0) return false;
      value = value * 10 + (c - 48);
      if (++digits > 3) return false;
    } else {
      return false;
    }
  }
  return parts === 4;
}

/**
 * An IPv6 literal without brackets (RFC 4291 §2.2): at most one `::`, 1–4 hex digits a group, an embedded IPv4 tail, an
 * optional `%zone` of up to 32 safe characters.
 */
export function isIPv6(text: string): boolean {
  const pct = text.indexOf('%');
  const body = pct === -1 ? text : text.slice(0, pct);
  if (pct !== -1 && !ZONE.test(text.slice(pct + 1))) return false;
  const halves = body.split('::');
  if (halves.length > 2) return false;
  const groupsOf = (s: string): string[] => (s === '' ? [] : s.split(':'));
  const head = groupsOf(halves[0] as string);
  const tail = halves.length === 2 ? groupsOf(halves[1] as string) : [];
  const all = [...head, ...tail];
  let count = 0;
  for (let i = 0; i < all.length; i++) {
    const g = all[i] as string;
    if (i === all.length - 1 && g.includes('.')) {
      if (!isIPv4(g)) return false;
      count += 2;
    } else if (HEX_GROUP.test(g)) {
      count += 1;
    } else {
      return false;
    }
  }
  return halves.length === 2 ? count <= 7 : count === 8;
}

/**
 * A DNS name by RFC 1123 §2.1: at most 253 characters, labels of 1–63 letters, digits or hyphens, no hyphen at a
 * label's ends, one trailing dot allowed; a last label of only digits is refused (a mistyped IPv4 address).
 */
export function isHostname(text: string): boolean {
  const end = text.endsWith('.') ? text.length - 1 : text.length;
  if (end === 0 || end > 253) return false;
  let labelStart = 0;
  let allDigits = true;
  for (let i = 0; i <= end; i++) {
    const c = i < end ? text.charCodeAt(i) : 46;
    if (c === 46) {
      const len = i - labelStart;
      // RFC 1123 §2.1: 1–63 characters, no hyphen at either end.
      if (len === 0 || len > 63 || text.charCodeAt(labelStart) === 45 || text.charCodeAt(i - 1) === 45) return false;
      if (i < end) allDigits = true;
      labelStart = i + 1;
      continue;
    }
    const digit = c >= 48 && c <= 57;
    if (!digit) allDigits = false;
    if (!(digit || (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 45)) return false;
  }
  // A name whose last label is all digits is a mistyped IPv4 address, not a
  // name (RFC 1123 §2.1: the top-level label is never all-numeric).
  return !allDigits;
}

/** Checks and normalises what a person typed as an address. */
export function checkAddress(raw: string): AddressCheck {
  const text = raw.trim();
  if (text === '')
    return {
      ok: false,
      code: 'REQUIRED',
      message:
        'Enter a host name (like server.example.com), an IPv4 address (like 192.0.2.10) or an IPv6 address (like 2001:db8::1).',
    };
  if (text.length > 253 + 2)
    return { ok: false, code: 'TOO_LONG', message: 'An address is at most 253 characters (RFC 1123).' };
  if (text.startsWith('[')) {
    const close = text.indexOf(']');
    if (close === -1)
      return {
        ok: false,
        code: 'INVALID_ADDRESS',
        message: 'The "[" has no closing "]". Brackets go only around an IPv6 address, like [2001:db8::1].',
      };
    const inner = text.slice(1, close);
    if (close !== text.length - 1) {
      return {
        ok: false,
        code: 'PORT_IN_ADDRESS',
        message: 'Put the port in the Port field, not after the address. Enter the address alone, like 2001:db8::1.',
      };
    }
    if (!isIPv6(inner))
      return {
        ok: false,
        code: 'INVALID_ADDRESS',
        message: 'Brackets go only around an IPv6 address, like [2001:db8::1]; what is inside is not one.',
      };
    return { ok: true, kind: 'ipv6', address: inner.toLowerCase() };
  }
  if (text.includes(':')) {
    if (isIPv6(text)) return { ok: true, kind: 'ipv6', address: text.toLowerCase() };
    if (/^[^:]+:[0-9]+$/.test(text)) {
      return { ok: false, code: 'PORT_IN_ADDRESS', message: 'Put the port in the Port field, not after the address.' };
    }
    return {
      ok: false,
      code: 'INVALID_ADDRESS',
      message: 'This is not a valid IPv6 address (eight groups of up to four hex digits, "::" at most once).',
    };
  }
  if (/^[0-9.]+$/.test(text)) {
    if (isIPv4(text)) return { ok: true, kind: 'ipv4', address: text };
    return {
      ok: false,
      code: 'INVALID_ADDRESS',
      message:
        'This is not a valid IPv4 address: four numbers 0–255 separated by dots, without leading zeros (like 192.0.2.10).',
    };
  }
  if (text.includes('@')) {
    return {
      ok: false,
      code: 'USER_IN_ADDRESS',
      message: 'Put the user name in the Username field, not before the address.',
    };
  }
  if ((text.endsWith('.') ? text.length - 1 : text.length) > 253)
    return { ok: false, code: 'TOO_LONG', message: 'A host name is at most 253 characters (RFC 1123).' };
  if (isHostname(text)) return { ok: true, kind: 'hostname', address: text.toLowerCase() };
  return {
    ok: false,
    code: 'INVALID_ADDRESS',
    message:
      'This is not a valid host name: use letters, digits, hyphens and dots; each part 1–63 characters, not starting or ending with a hyphen (RFC 1123).',
  };
}
