// Errors that cross the API are plain `{ code, message }`: a stable code a
// test (and the page) can switch on, and a sentence that tells the person what
// to do. Services throw HostdeckError; the API layer sends toApiError(err).

export interface ApiError {
  code: string;
  message: string;
  /** Optional structured facts (a field name, a fingerprint, a file and line). */
  details?: Record<string, unknown>;
}

export class HostdeckError extends Error {
  readonly code: string;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: string, message: string, details?: Record<string, unknown>, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'HostdeckError';
    this.code = code;
    this.details = details;
  }

  toJSON(): ApiError {
    return this.details === undefined ? { code: this.code, message: this.message } : { code: this.code, message: this.message, details: this.details };
  }
}

/** Anything thrown, as an ApiError; unknown errors keep no internals. */
export function toApiError(err: unknown): ApiError {
  if (err instanceof HostdeckError) return err.toJSON();
  return { code: 'INTERNAL', message: 'Something went wrong inside Hostdeck. Try again; if it keeps happening, restart the app.' };
}
