// Names of RFB security types and VeNCrypt subtypes, for messages and logs
// that say what a server offered (IANA RFB registry; VeNCrypt 0.2 as
// TigerVNC names its -SecurityTypes values).

const TYPE_NAMES: Readonly<Record<number, string>> = {
  1: 'None',
  2: 'VncAuth',
  5: 'RA2',
  6: 'RA2ne',
  16: 'Tight',
  18: 'TLS',
  19: 'VeNCrypt',
  22: 'XVP',
  30: 'Apple Remote Desktop',
  113: 'MS-Logon II',
};

const SUBTYPE_NAMES: Readonly<Record<number, string>> = {
  256: 'Plain',
  257: 'TLSNone',
  258: 'TLSVnc',
  259: 'TLSPlain',
  260: 'X509None',
  261: 'X509Vnc',
  262: 'X509Plain',
};

/**
 * The registered name of an RFB security type number (RFC 6143 §7.1.2 and the IANA registry), or "type N" for one we do
 * not know.
 */
export function securityTypeName(type: number): string {
  return TYPE_NAMES[type] ?? `type ${type}`;
}

/** TigerVNC also lists plain RFB types (VncAuth is 2) among its VeNCrypt subtypes, without TLS. */
export function veNCryptSubtypeName(subtype: number): string {
  return subtype < 256 ? securityTypeName(subtype) : (SUBTYPE_NAMES[subtype] ?? `subtype ${subtype}`);
}

/**
 * What a server offered, in its own order: "VeNCrypt (TLSVnc), VncAuth".
 * `subtypes` are the VeNCrypt subtypes, when the server got that far.
 */
export function describeOffer(types: readonly number[], subtypes: readonly number[] = []): string {
  if (types.length === 0) return 'nothing';
  return types
    .map((t) =>
      t === 19 && subtypes.length > 0
        ? `VeNCrypt (${subtypes.map(veNCryptSubtypeName).join(', ')})`
        : securityTypeName(t),
    )
    .join(', ');
}
