// Serve mode uploads: how the page streams its own files to main over one
// gateway WebSocket per transfer item (docs/SFTP.md, "Serve mode"). Main
// pulls: it names the file it wants next, the page answers with `begin` and
// that file's bytes in binary frames, in order, nothing more. A request has a
// sequence number so that bytes of a request main gave up on (a pause, a
// skipped clash) are told apart from the next one's: main drops binary frames
// until it sees the `begin` of its current request. No Node, no DOM.

/** Largest binary frame the page sends (below the gateway's 1 MiB maxPayload). */
export const PAGE_UPLOAD_FRAME = 256 * 1024;

/** Main → page: send file `file` (index in the item's files) from its first byte, as request `seq`. */
export interface PageUploadWant {
  type: 'send';
  seq: number;
  file: number;
}

/** Page → main: the binary frames that follow belong to request `seq`. */
export interface PageUploadBegin {
  type: 'begin';
  seq: number;
}

/** Page → main: the browser could not read the file of request `seq` (it changed or went away). */
export interface PageUploadFailed {
  type: 'failed';
  seq: number;
}

/** What the page may send as text on an upload socket. */
export type PageUploadControl = PageUploadBegin | PageUploadFailed;

/** Parses a page control frame; null for anything else (main then closes the socket). */
export function parsePageUploadControl(text: string): PageUploadControl | null {
  if (text.length > 200) return null;
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof v !== 'object' || v === null) return null;
  const o = v as Record<string, unknown>;
  if (Object.keys(o).length !== 2 || !Number.isSafeInteger(o['seq']) || (o['seq'] as number) < 0) return null;
  if (o['type'] === 'begin') return { type: 'begin', seq: o['seq'] as number };
  if (o['type'] === 'failed') return { type: 'failed', seq: o['seq'] as number };
  return null;
}

/** Parses main's request on the page side; null for anything else. */
export function parsePageUploadWant(text: string): PageUploadWant | null {
  try {
    const o = JSON.parse(text) as Record<string, unknown>;
    if (o['type'] === 'send' && Number.isSafeInteger(o['seq']) && Number.isSafeInteger(o['file']))
      return { type: 'send', seq: o['seq'] as number, file: o['file'] as number };
  } catch {
    // not ours
  }
  return null;
}
