import type { TFunction } from 'i18next';
import { ApiError } from '../api/api-error.ts';
import { describeError } from '../api/describe-error.ts';

const reasons = ['unknown', 'expired', 'accepted', 'revoked', 'used'] as const;

/**
 * Why an invitation or reset link was refused, in the console language: the server names the reason
 * (`details.reason`) and these pages say what to do about it; other failures read as usual.
 */
export function tokenLinkError(error: unknown, t: TFunction, page: 'acceptInvite' | 'resetPassword'): string {
  const reason = error instanceof ApiError ? (error.details as { reason?: unknown } | undefined)?.reason : undefined;
  if (typeof reason === 'string' && (reasons as readonly string[]).includes(reason)) return t(`${page}.reasons.${reason}`);
  const d = describeError(error, t);
  return d.detail ? `${d.title} (${d.detail})` : d.title;
}
