// The listing's packed form (shared/sftp-listing.ts): whatever main lists
// comes back out of the page's unpack exactly, odd entries included.
import { describe, expect, it } from 'vitest';
import { packListing, unpackListing } from '../shared/sftp-listing.js';
import type { SftpEntry, SftpListing } from '../shared/sftp.js';

function entry(name: string, over: Partial<SftpEntry> = {}): SftpEntry {
  return {
    name,
    path: `/srv/data/${name}`,
    kind: 'file',
    size: 12,
    mtimeMs: 1_700_000_000_000,
    mode: 0o100644,
    ...over,
  };
}

describe('listing packed by columns', () => {
  it('round-trips every field, rare ones included', () => {
    const listing: SftpListing = {
      path: '/srv/data',
      pathText: '/srv/data',
      refused: 2,
      entries: [
        entry('a.txt', { uid: 1000, gid: 1000, owner: 'ana', group: 'staff' }),
        entry('b', { kind: 'dir', mode: 0o40755, size: 4096, uid: 0, gid: 0, owner: 'root', group: 'root' }),
        entry('to-b', { kind: 'link', mode: 0o120777, link: { target: 'b', targetKind: 'dir' } }),
        entry('loop', { kind: 'link', link: { target: 'loop', targetKind: 'loop' }, owner: 'ana' }),
        entry('\ufffd\ufffd.bin', {
          nameB64: Buffer.from([0xff, 0xfe, 0x2e]).toString('base64'),
          path: { b64: 'L3Nydi9kYXRhL//+Lg==' },
        }),
        entry('fifo', { kind: 'other', mode: 0o10644, size: 0, mtimeMs: 0 }),
        entry('half-second', { mtimeMs: 1_700_000_000_500 }),
        entry('before-1970', { mtimeMs: -86_400_000 }),
        entry('中文 名字.txt', { size: 2 ** 40 + 3 }),
        entry('no-mode', { mode: 0, size: 0 }),
      ],
    };
    const packed = packListing(listing);
    // Through JSON, as over the API.
    expect(unpackListing(JSON.parse(JSON.stringify(packed)))).toEqual(listing);
    expect(packed.people).toEqual(['ana', 'staff', 'root']);
    expect(packed.extras.map((x) => x.index)).toEqual([2, 3, 4, 6]);
  });

  it('keeps every path of a folder that is not UTF-8, and the root folder', () => {
    const odd: SftpListing = {
      path: { b64: Buffer.from([0x2f, 0xff]).toString('base64') },
      pathText: '/\ufffd',
      refused: 0,
      entries: [entry('x', { path: { b64: Buffer.from([0x2f, 0xff, 0x2f, 0x78]).toString('base64') } })],
    };
    expect(unpackListing(packListing(odd))).toEqual(odd);
    const root: SftpListing = { path: '/', pathText: '/', refused: 0, entries: [entry('etc', { path: '/etc' })] };
    const packed = packListing(root);
    expect(packed.extras).toEqual([]);
    expect(unpackListing(packed)).toEqual(root);
  });

  it('is a fraction of the size of one object per entry for a large folder', () => {
    const entries = Array.from({ length: 10_000 }, (_, i) =>
      entry(`f${String(i).padStart(5, '0')}.dat`, { uid: 0, gid: 0, owner: 'root', group: 'root' }),
    );
    const listing: SftpListing = { path: '/srv/data', pathText: '/srv/data', refused: 0, entries };
    const objects = JSON.stringify(listing).length;
    const packed = JSON.stringify(packListing(listing)).length;
    expect(packed).toBeLessThan(objects / 3);
    expect(unpackListing(JSON.parse(JSON.stringify(packListing(listing))))).toEqual(listing);
  });
});
