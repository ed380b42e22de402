import type { TFunction } from 'i18next';
import { ApiError } from './api-error.ts';

/** What to show for a failure: a plain-words title in the console language, and the server's own message. */
export interface ErrorDescription {
  readonly title: string;
  /** The server's message (it names the field or value and what to do), when it adds something. */
  readonly detail?: string;
}

/** Describes any thrown value for a person; unknown errors read as a server problem, never as a stack trace. */
export function describeError(error: unknown, t: TFunction): ErrorDescription {
  if (error instanceof ApiError) return { title: t(`errors.${error.code}`), detail: error.message };
  return { title: t('errors.internal'), detail: error instanceof Error ? error.message : undefined };
}
