// The data folder `npm run bench -- app` starts serve mode on: an address
// book of 1,000 hosts in nested folders (the size the start target
// names), plus one host, "rig", that reaches the bench's sshd with a key, and
// that sshd's host key already trusted, so a tab connects with no prompt at
// all and every tab measures the same path.
import { AddressBookStore } from '../main/store/address-book-store.js';
import { appendKnownHost, hostLookupName } from '../main/ssh/known-hosts.js';
import type { HostInput } from '../shared/model/host.js';
import { join } from 'node:path';

export const RIG_HOST = 'rig';

export interface RigTarget {
  host: string;
  port: number;
  keyUser: string;
  clientKeyPath: string;
  /** "type base64" */
  hostPublicKey(): string;
}

/** Writes the book and known_hosts into `dataDir`; returns how many hosts it holds. */
export function writeBook(dataDir: string, hosts: number, rig: RigTarget): number {
  const store = AddressBookStore.open({ dataDir });
  try {
    // Ten teams of ten environments: a nested tree, as people who have 1,000 hosts keep them.
    for (let i = 0; i < hosts; i++) {
      const team = `team-${String(Math.floor(i / 100)).padStart(2, '0')}`;
      const env = ['prod', 'staging', 'dev', 'lab', 'edge', 'db', 'cache', 'batch', 'ci', 'ops'][
        Math.floor(i / 10) % 10
      ] as string;
      const vnc = i % 10 === 9;
      const host: HostInput = {
        name: `${env}-${vnc ? 'desk' : 'node'}-${String(i).padStart(4, '0')}`,
        protocol: vnc ? 'vnc' : 'ssh',
        address: `10.${Math.floor(i / 250)}.${i % 250}.${((i * 7) % 250) + 1}`,
        port: vnc ? 5901 : 22,
        folder: [team, env],
        tags: [env, team],
        notes: '',
      };
      if (vnc) host.vnc = { viewOnly: false, scaling: 'scale', quality: 6, compression: 2, shared: true };
      else host.username = 'ops';
      store.saveHost(host);
    }
    const rigHost: HostInput = {
      name: RIG_HOST,
      protocol: 'ssh',
      address: rig.host,
      port: rig.port,
      username: rig.keyUser,
      auth: { type: 'privateKey', path: rig.clientKeyPath },
      folder: [],
      tags: [],
      notes: 'the bench sshd',
    };
    store.saveHost(rigHost);
    store.flush(true);
    const count = store.listHosts().length;
    const [type, b64] = rig.hostPublicKey().split(' ') as [string, string];
    // main/api/sessions-api.ts trusts <dataDir>/known_hosts: pre-trusting keeps the host-key dialog out of every measurement.
    appendKnownHost(
      join(dataDir, 'known_hosts'),
      hostLookupName(rig.host, rig.port),
      type,
      Buffer.from(b64, 'base64'),
      false,
    );
    return count;
  } finally {
    store.close();
  }
}
