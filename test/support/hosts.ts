// Address-book entries for the real peers of the rig, as a person would save
// them through hosts.create: an SSH host that logs in to the rig's sshd as
// its password user or its key user, and a VNC host pointing at an Xvnc (or
// any host:port).
import type { AuthMethod, HostInput, VncOptions } from '../../shared/model/host.js';

/** The VNC settings a person gets by default in the host editor. */
export const VNC_SETTINGS: VncOptions = { viewOnly: false, scaling: 'scale', quality: 6, compression: 2, shared: true };

/**
 * A saved SSH host at 127.0.0.1:<sshd.port> for sshd's password user, top
 * level, no tags or notes. `auth` null leaves the method out (inherited from
 * the folder defaults).
 */
export function sshHostInput(
  name: string,
  sshd: { port: number; passwordUser: string },
  auth: AuthMethod | null = { type: 'password' },
): HostInput {
  return savedSsh(name, '127.0.0.1', sshd.port, sshd.passwordUser, auth);
}

/** The same for sshd's key user at sshd.host, signing in with the rig's private key file. */
export function sshKeyHostInput(
  name: string,
  sshd: { host: string; port: number; keyUser: string; clientKeyPath: string },
): HostInput {
  return savedSsh(name, sshd.host, sshd.port, sshd.keyUser, { type: 'privateKey', path: sshd.clientKeyPath });
}

function savedSsh(name: string, address: string, port: number, username: string, auth: AuthMethod | null): HostInput {
  return { name, protocol: 'ssh', address, port, username, ...(auth ? { auth } : {}), folder: [], tags: [], notes: '' };
}

/** A saved VNC host at server.host:server.port, top level, with VNC_SETTINGS merged with `vnc`. */
export function vncHostInput(
  name: string,
  server: { host: string; port: number },
  vnc: Partial<VncOptions> = {},
): HostInput {
  return {
    name,
    protocol: 'vnc',
    address: server.host,
    port: server.port,
    folder: [],
    tags: [],
    notes: '',
    vnc: { ...VNC_SETTINGS, ...vnc },
  };
}
