// What a serve-mode upload item moves: the page's files, listed by the page
// as '/'-separated paths. The page is not trusted with names any more than a
// server is: every component passes names.ts#localName (no '/', '\' on
// Windows, NUL, '.', '..', empty or over 255 bytes; control characters
// become '_'), so a name from the browser can only ever be one component
// below the chosen remote folder.
import type { PageUploadFile } from '../../shared/sftp.js';
import { sftpError } from './errors.js';
import { localName } from './names.js';
import { skippedFile, type Plan, type PlannedFile } from './plan.js';
import { joinRemote } from './remote-path.js';

/**
 * The plan for one page item, and each planned file's index in `files`.
 * `folders` ('/'-separated, under the same first component) are made even
 * when no file lies in them; one with an unsafe component is left out, as
 * its files are skipped. Throws SFTP_UNSAFE_NAME when the item's own name is
 * unsafe, or when the files and folders do not share one first component.
 */
export function planPageUpload(
  files: readonly PageUploadFile[],
  remoteDir: Buffer,
  folders: readonly string[] = [],
): { plan: Plan; index: Map<PlannedFile, number> } {
  const parts = files.map((f) => f.relative.split('/'));
  const folderParts = folders.map((f) => f.split('/').filter((p, i) => i === 0 || p !== ''));
  const rootText = parts[0]?.[0] ?? folderParts[0]?.[0] ?? '';
  const root = localName(Buffer.from(rootText, 'utf8'), 'posix');
  if (!root || [...parts, ...folderParts].some((p) => p[0] !== rootText))
    throw sftpError('SFTP_UNSAFE_NAME', { name: rootText });
  const index = new Map<PlannedFile, number>();
  const rootRemote = joinRemote(remoteDir, root.bytes);
  if (files.length === 1 && parts[0]?.length === 1 && folders.length === 0) {
    const f = planned(files[0] as PageUploadFile, root.text, rootRemote);
    index.set(f, 0);
    return { plan: { kind: 'file', name: root.text, folders: [], files: [f] }, index };
  }
  const plan: Plan = { kind: 'folder', name: root.text, folders: [{ local: [], remote: rootRemote }], files: [] };
  const made = new Set<string>(['']);
  const makeParents = (names: Array<{ text: string; bytes: Buffer }>): Buffer => {
    let remote = rootRemote;
    let key = '';
    for (const n of names) {
      remote = joinRemote(remote, n.bytes);
      key += `/${n.text}`;
      if (!made.has(key)) {
        made.add(key);
        plan.folders.push({ local: [], remote });
      }
    }
    return remote;
  };
  files.forEach((file, i) => {
    const names = (parts[i] as string[]).slice(1).map((p) => localName(Buffer.from(p, 'utf8'), 'posix'));
    const relative = [root.text, ...names.map((n) => n?.text ?? '?')].join('/');
    if (names.length === 0 || names.some((n) => n === null)) {
      plan.files.push(skipped(file.relative));
      return;
    }
    const safe = names as Array<{ text: string; bytes: Buffer }>;
    const remote = makeParents(safe.slice(0, -1));
    const f = planned(file, relative, joinRemote(remote, (safe[safe.length - 1] as { bytes: Buffer }).bytes));
    index.set(f, i);
    plan.files.push(f);
  });
  for (const p of folderParts) {
    const names = p.slice(1).map((n) => localName(Buffer.from(n, 'utf8'), 'posix'));
    if (!names.some((n) => n === null)) makeParents(names as Array<{ text: string; bytes: Buffer }>);
  }
  return { plan, index };
}

function planned(file: PageUploadFile, relative: string, remote: Buffer): PlannedFile {
  return {
    relative,
    remote,
    local: [],
    size: file.size,
    mtime: Math.floor(file.mtimeMs / 1000),
    mode: 0o644,
    state: 'queued',
    bytesDone: 0,
  };
}

function skipped(relative: string): PlannedFile {
  const e = sftpError('SFTP_UNSAFE_NAME');
  return skippedFile(relative.replace(/[\u0000-\u001f\u007f-\u009f]/g, '_'), e.code, e.message);
}
