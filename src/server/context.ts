import type { Kysely } from 'kysely';
import type { Database, StoreKind } from '../db/index.ts';
import type { Clock } from '../lib/clock.ts';
import type { Caller, KeyVerifier } from './auth.ts';

/** What every route module gets: the database, the clock and the key verifier. */
export interface AppContext {
  readonly db: Kysely<Database>;
  readonly store: StoreKind;
  readonly clock: Clock;
  readonly verifyKey: KeyVerifier;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the authentication hook of /api and /v1 routes. */
    caller: Caller;
  }
}
