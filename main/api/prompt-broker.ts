// Questions main must ask the person in the middle of a connection (trust
// this host key? the password? a 2FA code?). A question is pushed to the page
// as an event and waits for prompts.answer; it ends unanswered when the
// connection gives up, the page goes, or nobody answers in time. Answers are
// checked against the question that was asked: a page cannot answer a
// password prompt with "accept", or a prompt it was never shown.
import { randomBytes } from 'node:crypto';
import { HostdeckError } from '../../shared/errors.js';
import type { PromptAnswer, PromptRequest } from '../../shared/api/contract.js';

const DEFAULT_TIMEOUT_MS = 5 * 60_000;
const MAX_OPEN_PROMPTS = 16;

interface Pending {
  request: PromptRequest & { promptId: string };
  resolve(answer: PromptAnswer | null): void;
  timer: NodeJS.Timeout;
  dispose(): void;
}

/**
 * Holds the questions main is waiting on the person for, each under a random promptId; at most 16 open at once, each
 * ends unanswered (null) after `timeoutMs` (default 5 minutes).
 */
export class PromptBroker {
  readonly #pending = new Map<string, Pending>();
  readonly #emitAsk: (request: PromptRequest & { promptId: string }) => void;
  readonly #emitGone: (promptId: string) => void;
  readonly #timeoutMs: number;

  constructor(
    emitAsk: (request: PromptRequest & { promptId: string }) => void,
    emitGone: (promptId: string) => void,
    timeoutMs = DEFAULT_TIMEOUT_MS,
  ) {
    this.#emitAsk = emitAsk;
    this.#emitGone = emitGone;
    this.#timeoutMs = timeoutMs;
  }

  /** Asks and waits; null when cancelled, timed out or aborted. */
  ask(request: PromptRequest, signal?: AbortSignal): Promise<PromptAnswer | null> {
    if (signal?.aborted) return Promise.resolve(null);
    if (this.#pending.size >= MAX_OPEN_PROMPTS)
      return Promise.reject(
        new HostdeckError(
          'API_TOO_MANY_PROMPTS',
          'Too many questions are waiting for an answer. Answer or close them first.',
        ),
      );
    const promptId = randomBytes(12).toString('base64url');
    return new Promise((resolve) => {
      const finish = (answer: PromptAnswer | null): void => {
        const p = this.#pending.get(promptId);
        if (!p) return;
        this.#pending.delete(promptId);
        p.dispose();
        if (answer === null) this.#emitGone(promptId);
        resolve(answer);
      };
      const onAbort = (): void => finish(null);
      const timer = setTimeout(() => finish(null), this.#timeoutMs);
      timer.unref();
      signal?.addEventListener('abort', onAbort, { once: true });
      const full = { ...request, promptId } as PromptRequest & { promptId: string };
      this.#pending.set(promptId, {
        request: full,
        resolve: finish,
        timer,
        dispose: () => {
          clearTimeout(timer);
          signal?.removeEventListener('abort', onAbort);
        },
      });
      this.#emitAsk(full);
    });
  }

  /** The page's answer. Throws API_PROMPT_GONE for an unknown/ended prompt, API_BAD_REQUEST for a mismatched answer. */
  answer(promptId: string, answer: PromptAnswer): void {
    const p = this.#pending.get(promptId);
    if (!p)
      throw new HostdeckError(
        'API_PROMPT_GONE',
        'That question is no longer waiting (the connection ended or it timed out).',
      );
    if (!answerFits(p.request, answer))
      throw new HostdeckError('API_BAD_REQUEST', 'That answer does not fit the question.');
    p.resolve(answer);
  }

  /**
   * Ends every question an open asked (each gets prompt.gone and resolves
   * null). Called when the open is over, whichever way it ended: a question
   * whose connection is gone must not stay on screen, since its answer would
   * go nowhere (sshd's LoginGraceTime drops a login left waiting).
   */
  withdraw(openId: string): void {
    for (const p of [...this.#pending.values()]) if (p.request.openId === openId) p.resolve(null);
  }

  /** Questions still waiting (a page that reloads shows them again). */
  open(): Array<PromptRequest & { promptId: string }> {
    return [...this.#pending.values()].map((p) => p.request);
  }

  /** Questions open now. */
  get size(): number {
    return this.#pending.size;
  }

  /** Ends every open question as unanswered (null), e.g. when the page goes away. */
  dispose(): void {
    for (const p of [...this.#pending.values()]) p.resolve(null);
  }
}

function answerFits(req: PromptRequest, a: PromptAnswer): boolean {
  switch (req.kind) {
    case 'hostKey':
    case 'vncCertificate':
      return a.type === 'decision';
    case 'secret':
      return a.type === 'secret';
    case 'keyboardInteractive':
      return a.type === 'responses' && (a.responses === null || a.responses.length === req.prompts.length);
  }
}
