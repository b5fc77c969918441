// main/vnc's public surface, for the gateway's VNC target opener and the API.
// Everything else in this folder is internal and may change.
export { openAuthenticatedVnc, type AuthenticatedVnc, type OpenVncOptions } from './vnc-connector.js';
export { connectTcp } from './tcp-connect.js';
export { anonymousTlsAvailable, vncTlsCapabilities, type VncTlsCapabilities } from './vnc-tls.js';
export type { StepTimeouts } from './connection-state.js';
export type { RfbVersion, VncCertificateInfo, VncErrorCode, VncSecurity, VncWire } from '../../shared/vnc-protocol.js';
