import { createHash, randomBytes } from 'node:crypto';

/** SHA-256 of a token: tokens are 32 random bytes, so a fast hash is enough and a stolen table reveals no link. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** A new random token (256 bits, URL-safe) and the hash to store in its place. */
export function newToken(): { token: string; hash: string } {
  const token = randomBytes(32).toString('base64url');
  return { token, hash: hashToken(token) };
}
