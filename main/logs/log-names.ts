// Log file names: `<host>_<UTC time>_<random>.<log|cast>`, e.g.
// `web-1_20261130T235900Z_3fa2c1.log`. The host part is the tab's title made
// safe for any file system (letters, digits, ".", "-" and "_"; no leading
// dot, at most 64 characters), so a hostile host name cannot reach another
// folder or hide the file; the random part keeps two tabs of one host,
// opened in the same second, in two files.

/** How long the host part of a name may be (characters). */
export const MAX_HOST_PART = 64;

/** Matches every name logFileName makes, and nothing else: pruning deletes only these. */
export const LOG_FILE_PATTERN = /^[\p{L}\p{N}._-]{1,64}_\d{8}T\d{6}Z_[0-9a-f]{6}\.(?:log|cast)$/u;

/** The host part: runs of anything but letters, digits, ".", "-" and "_" become one "_"; "host" when nothing is left. */
export function safeHostPart(title: string): string {
  const safe = title
    .normalize('NFC')
    .replace(/[^\p{L}\p{N}._-]+/gu, '_')
    .replace(/^[._]+/, '');
  // Cut by code points, so a letter outside the BMP is never split in half.
  const cut = [...safe].slice(0, MAX_HOST_PART).join('').replace(/_+$/, '');
  return cut === '' ? 'host' : cut;
}

/**
 * The file name for a session of `title` started at `startedAt` (ms since the epoch, written in UTC), with a
 * 6-hex-digit `random` part; `.log` for plain text, `.cast` for asciicast.
 */
export function logFileName(title: string, startedAt: number, random: string, format: 'plain' | 'asciicast'): string {
  const stamp = new Date(startedAt)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  return `${safeHostPart(title)}_${stamp}_${random}.${format === 'plain' ? 'log' : 'cast'}`;
}
