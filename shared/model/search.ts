// Typo-forgiving search over name, address, tags and folder. Each query word
// must match one field word: exact substring scores highest, then a prefix,
// then the letters in order (a subsequence, "prdweb" finds "prod-web"), then
// one edit away (Damerau, so "porxy" finds "proxy"). The index keeps the
// lower-cased fields so a search over 10,000 hosts does no allocation per host.
import type { SavedHost } from './host.js';

/** One result of HostSearchIndex.search: higher `score` is a better match; the empty query gives 0 to all. */
export interface SearchHit {
  host: SavedHost;
  score: number;
}

interface Entry {
  host: SavedHost;
  /** name, address, tags and folder, lower-cased, joined by \n. */
  haystack: string;
  words: string[];
  name: string;
}

/**
 * A search index over a snapshot of hosts; build a new one when the book changes. Each query word must match some field
 * word (AND), see the scoring above.
 */
export class HostSearchIndex {
  readonly #entries: Entry[];

  constructor(hosts: readonly SavedHost[]) {
    this.#entries = hosts.map((host) => {
      const name = host.name.toLowerCase();
      const haystack = [
        name,
        host.address,
        ...host.tags.map((t) => t.toLowerCase()),
        host.folder.join('/').toLowerCase(),
      ].join('\n');
      return { host, haystack, name, words: haystack.split(/[\s./@:_-]+/).filter((w) => w.length > 0) };
    });
  }

  /** Best matches first; an empty query returns every host in name order. */
  search(query: string, limit = 200): SearchHit[] {
    const terms = query
      .toLowerCase()
      .split(/\s+/)
      .filter((t) => t.length > 0);
    if (terms.length === 0) {
      return this.#entries
        .map((e) => ({ host: e.host, score: 0 }))
        .sort((a, b) => a.host.name.localeCompare(b.host.name))
        .slice(0, limit);
    }
    const hits: SearchHit[] = [];
    for (const e of this.#entries) {
      let total = 0;
      for (const t of terms) {
        const s = scoreTerm(e, t);
        if (s === 0) {
          total = 0;
          break;
        }
        total += s;
      }
      if (total > 0) hits.push({ host: e.host, score: total });
    }
    hits.sort((a, b) => b.score - a.score || a.host.name.localeCompare(b.host.name));
    return hits.slice(0, limit);
  }
}

function scoreTerm(e: Entry, t: string): number {
  const at = e.haystack.indexOf(t);
  if (at !== -1) {
    if (e.name === t) return 100;
    if (at === 0) return 80;
    const before = e.haystack.charCodeAt(at - 1);
    // A match at a word start ("web" in "prod-web") beats one inside a word.
    return isSeparator(before) ? 60 : 40;
  }
  if (isSubsequence(t, e.name)) return 20;
  if (t.length < 4) return 0;
  for (const w of e.words) {
    if (Math.abs(w.length - t.length) <= 1 && withinOneEdit(t, w)) return 15;
    if (w.length > t.length && withinOneEdit(t, w.slice(0, t.length))) return 10;
  }
  if (isSubsequence(t, e.haystack)) return 5;
  return 0;
}

function isSeparator(code: number): boolean {
  // \n, space, ".", "/", "@", ":", "_", "-"
  return (
    code === 10 || code === 32 || code === 46 || code === 47 || code === 64 || code === 58 || code === 95 || code === 45
  );
}

function isSubsequence(needle: string, hay: string): boolean {
  let j = 0;
  for (let i = 0; i < hay.length && j < needle.length; i++) if (hay.charCodeAt(i) === needle.charCodeAt(j)) j++;
  return j === needle.length;
}

/** True when a and b differ by at most one insertion, deletion, substitution or adjacent swap. */
export function withinOneEdit(a: string, b: string): boolean {
  if (a === b) return true;
  const la = a.length;
  const lb = b.length;
  if (Math.abs(la - lb) > 1) return false;
  let i = 0;
  while (i < la && i < lb && a.charCodeAt(i) === b.charCodeAt(i)) i++;
  if (la === lb) {
    if (a.slice(i + 1) === b.slice(i + 1)) return true;
    return (
      a.charCodeAt(i) === b.charCodeAt(i + 1) &&
      a.charCodeAt(i + 1) === b.charCodeAt(i) &&
      a.slice(i + 2) === b.slice(i + 2)
    );
  }
  return la > lb ? a.slice(i + 1) === b.slice(i) : a.slice(i) === b.slice(i + 1);
}
