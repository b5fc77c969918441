// Argument checks for the sessions API: every argument from the page is
// hostile until one of these has read it (docs/CONTRIBUTING.md, "Code").
import { HostdeckError } from '../../../shared/errors.js';
import { checkAddress } from '../../../shared/model/address.js';
import { LIMITS } from '../../../shared/model/host.js';
import { usernameProblem } from '../../../shared/model/validate.js';
import { MAX_TERMINAL_CELLS } from '../../../shared/terminal-protocol.js';
import type { PromptAnswer, QuickTarget, SessionOptions } from '../../../shared/api/contract.js';
import { badRequest, obj, oneOf, str } from '../param-checks.js';

/**
 * Checks a session open's options: `openId` (1–64 characters, to cancel it), terminal `cols` and `rows`
 * (1..MAX_TERMINAL_CELLS), the optional tab `slot` (1..999). Throws API_BAD_REQUEST.
 */
export function sessionOptions(v: unknown): SessionOptions {
  const o = obj(v, 'options');
  const slot = o['slot'] === undefined ? {} : { slot: whole(o['slot'], 'options.slot', MAX_SLOT) };
  return {
    openId: str(o['openId'], 'options.openId', 64),
    cols: cells(o['cols'], 'options.cols'),
    rows: cells(o['rows'], 'options.rows'),
    ...slot,
  };
}

/**
 * Checks a quick-connect target: a valid address, port 1–65535, and a user name that is empty ("ask me") or passes the
 * saved-host rules. Throws API_BAD_REQUEST.
 */
export function quickTarget(v: unknown): QuickTarget {
  const t = obj(v, 'target');
  const host = str(t['host'], 'target.host', LIMITS.addressLength);
  const a = checkAddress(host);
  if (!a.ok) throw new HostdeckError('API_BAD_REQUEST', a.message);
  const port = t['port'];
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535)
    throw badRequest('target.port must be from 1 to 65535');
  // An empty user name means "ask me"; otherwise the saved-host rule applies.
  const username = str(t['username'], 'target.username', LIMITS.usernameLength, 0);
  const problem = username === '' ? null : usernameProblem(username);
  if (problem !== null) throw badRequest(`target.username: ${problem}`);
  return { username, host: a.address, port };
}

/**
 * Checks the page's answer to a prompt: a decision (accept true/false), a secret (≤ 8192 characters, or null to
 * decline) or keyboard-interactive responses. Throws API_BAD_REQUEST.
 */
export function promptAnswer(v: unknown): PromptAnswer {
  const a = obj(v, 'answer');
  const type = oneOf(a['type'], 'answer.type', ['decision', 'secret', 'responses'] as const);
  if (type === 'decision') {
    if (typeof a['accept'] !== 'boolean') throw badRequest('answer.accept must be true or false');
    return { type, accept: a['accept'] };
  }
  if (type === 'secret') {
    const value = a['value'] === null ? null : str(a['value'], 'answer.value', 8192, 0);
    return { type, value, remember: a['remember'] === true };
  }
  const r = a['responses'];
  if (r !== null && (!Array.isArray(r) || r.length > 16))
    throw badRequest('answer.responses must be a list of at most 16 answers, or null');
  return { type, responses: r === null ? null : r.map((x, i) => str(x, `answer.responses[${i}]`, 8192, 0)) };
}

function cells(n: unknown, name: string): number {
  return whole(n, name, MAX_TERMINAL_CELLS);
}

/** A tab's number among the page's tabs to one host (SessionOptions.slot). */
const MAX_SLOT = 999;

function whole(n: unknown, name: string, max: number): number {
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > max)
    throw badRequest(`${name} must be a whole number from 1 to ${max}`);
  return n;
}
