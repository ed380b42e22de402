// The ceiling for `bench:ingest`: a bare Fastify handler that only inserts a batch with one unnest
// statement — no validation, no identity resolution, no de-duplication. Patron's /v1/batch is compared to it.
import Fastify from 'fastify';
import pg from 'pg';

const url = process.env.DATABASE_URL;
if (!url) throw new Error('DATABASE_URL is required');
const pool = new pg.Pool({ connectionString: url, max: 10 });

interface Message {
  messageId?: string;
  type?: string;
  event?: string;
  userId?: string;
  anonymousId?: string;
  timestamp?: string;
  properties?: unknown;
  context?: unknown;
}

const app = Fastify({ bodyLimit: 1024 * 1024 });
app.post('/v1/batch', async (request) => {
  const batch = (request.body as { batch: Message[] }).batch;
  await pool.query(
    `INSERT INTO ceiling_events (message_id, user_id, anonymous_id, type, name, occurred_at, properties, context)
     SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::timestamptz[], $7::jsonb[], $8::jsonb[])`,
    [
      batch.map((m) => m.messageId ?? null),
      batch.map((m) => m.userId ?? null),
      batch.map((m) => m.anonymousId ?? null),
      batch.map((m) => m.type ?? 'track'),
      batch.map((m) => m.event ?? null),
      batch.map((m) => m.timestamp ?? new Date().toISOString()),
      batch.map((m) => JSON.stringify(m.properties ?? {})),
      batch.map((m) => JSON.stringify(m.context ?? {})),
    ],
  );
  return { success: true };
});
await app.listen({ port: Number(process.env.PORT ?? 0), host: '127.0.0.1' });
console.log(`listening ${(app.server.address() as { port: number }).port}`);
