/** The closed list of error codes every Patron module may raise; `server/` maps each to one HTTP status. */
export const errorCodes = [
  'invalid_input',
  'unauthorized',
  'forbidden',
  'not_found',
  'conflict',
  'payload_too_large',
  'limit_reached',
  'unavailable',
] as const;

export type ErrorCode = (typeof errorCodes)[number];

/** Where a problem is: a field path, a file row and column, or both. */
export interface ErrorDetails {
  readonly path?: readonly (string | number)[];
  readonly row?: number;
  readonly column?: string;
  readonly value?: unknown;
  readonly [key: string]: unknown;
}

/** An expected failure with a code from the closed list and a message that tells the user what to do. */
export class PatronError extends Error {
  override readonly name = 'PatronError';

  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: ErrorDetails = {},
  ) {
    super(message);
  }
}

/** Shorthand for the most common error: bad input at a path. */
export function invalidInput(message: string, details: ErrorDetails = {}): PatronError {
  return new PatronError('invalid_input', message, details);
}

/** Used as the default branch of an exhaustive switch: a new case without a handler fails the typecheck. */
export function assertNever(value: never, what = 'value'): never {
  throw new Error(`Unhandled ${what}: ${JSON.stringify(value)}`);
}
