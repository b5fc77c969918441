// Small, strict readers for API arguments. Every argument from the page is
// hostile until one of these has looked at it: wrong types, oversized
// strings and extra arguments are refused with API_BAD_REQUEST before a service
// sees them. Deep validation of a host stays with the one shared validator.
import { HostdeckError } from '../../shared/errors.js';
import { LIMITS } from '../../shared/model/host.js';

/** API_BAD_REQUEST with `what` in the sentence. */
export function badRequest(what: string): HostdeckError {
  return new HostdeckError('API_BAD_REQUEST', `Hostdeck could not use that request: ${what}.`);
}

/** Throws API_BAD_REQUEST unless there are `min`..`max` parameters (default exactly `min`). */
export function arity(params: readonly unknown[], min: number, max = min): void {
  if (params.length < min || params.length > max)
    throw badRequest(`expected ${min === max ? min : `${min}–${max}`} argument(s), got ${params.length}`);
}

/** `v` as a string of `min`..`max` UTF-16 code units (default min 1); else throws API_BAD_REQUEST naming `name`. */
export function str(v: unknown, name: string, max: number, min = 1): string {
  if (typeof v !== 'string' || v.length < min || v.length > max)
    throw badRequest(`${name} must be text of ${min}–${max} characters`);
  return v;
}

/** Like str, but undefined passes and the empty string is allowed. Throws API_BAD_REQUEST. */
export function optStr(v: unknown, name: string, max: number): string | undefined {
  return v === undefined ? undefined : str(v, name, max, 0);
}

/** `v` as a plain object (not null, not an array); else throws API_BAD_REQUEST. */
export function obj(v: unknown, name: string): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw badRequest(`${name} must be an object`);
  return v as Record<string, unknown>;
}

/** `v` as an array of at most `maxItems` strings of 1..`maxLength` code units; else throws API_BAD_REQUEST. */
export function strList(v: unknown, name: string, maxItems: number, maxLength: number): string[] {
  if (!Array.isArray(v) || v.length > maxItems) throw badRequest(`${name} must be a list of at most ${maxItems} items`);
  return v.map((item, i) => str(item, `${name}[${i}]`, maxLength));
}

/** `v` if it is one of `allowed`; else throws API_BAD_REQUEST listing them. */
export function oneOf<T extends string>(v: unknown, name: string, allowed: readonly T[]): T {
  if (typeof v !== 'string' || !(allowed as readonly string[]).includes(v))
    throw badRequest(`${name} must be one of ${allowed.join(', ')}`);
  return v as T;
}

/** A JSON-sized object: refuses anything that would not survive a JSON round trip or is too big. */
export function plainData(v: unknown, name: string, maxBytes: number): unknown {
  let text: string;
  try {
    text = JSON.stringify(v);
  } catch {
    throw badRequest(`${name} is not plain data`);
  }
  if (text === undefined || text.length > maxBytes) throw badRequest(`${name} is too large`);
  return JSON.parse(text);
}

/** A folder path: a list of names, bounded as the store bounds it. */
export function folderPath(v: unknown): string[] {
  return strList(v, 'folder', LIMITS.folderDepth, LIMITS.folderSegmentLength);
}
