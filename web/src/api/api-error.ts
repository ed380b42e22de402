import type { ErrorCode } from '../../../src/lib/errors.ts';

/** The server's closed list of codes, plus what can go wrong before an answer arrives. */
export type ApiErrorCode = ErrorCode | 'internal' | 'network' | 'bad_response';

/** A failed API call: the server's code and message (which tell the user what to do), or a transport failure. */
export class ApiError extends Error {
  override readonly name = 'ApiError';

  constructor(
    readonly code: ApiErrorCode,
    message: string,
    /** The HTTP status, or 0 when no answer arrived. */
    readonly status: number,
    readonly details?: unknown,
  ) {
    super(message);
  }
}
