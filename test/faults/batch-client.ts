import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Kysely } from 'kysely';
import pg from 'pg';
import { createApiKey } from '../../src/access/index.ts';
import { connectPglite, connectPostgres, migrateToLatest, type Database, type StoreKind } from '../../src/db/index.ts';
import { testWorkspace } from '../fixtures.ts';

/** A database a `patron serve` child process can open, prepared with a workspace and a write key. */
export interface FaultStore {
  readonly kind: StoreKind;
  /** The environment that points `patron serve` at this database. */
  readonly env: Record<string, string>;
  readonly workspaceId: number;
  readonly writeKey: string;
  /** Opens the database in this process (after the server has stopped, for PGlite) and runs `read` on it. */
  inspect<T>(read: (db: Kysely<Database>) => Promise<T>): Promise<T>;
  cleanup(): Promise<void>;
}

async function prepare(db: Kysely<Database>): Promise<{ workspaceId: number; writeKey: string }> {
  await migrateToLatest(db as never);
  const ws = await testWorkspace(db);
  const key = await createApiKey(db, { workspaceId: ws.id, kind: 'write', name: 'fault test' });
  return { workspaceId: ws.id, writeKey: key.key };
}

/** An embedded store in a temporary data directory. */
export async function pgliteFaultStore(): Promise<FaultStore> {
  const dir = mkdtempSync(join(tmpdir(), 'patron-fault-'));
  const dataDir = join(dir, 'data');
  const handle = await connectPglite(dataDir);
  const { workspaceId, writeKey } = await prepare(handle.db);
  await handle.close();
  return {
    kind: 'pglite',
    env: { PATRON_DATA_DIR: dataDir },
    workspaceId,
    writeKey,
    inspect: async (read) => {
      const h = await connectPglite(dataDir);
      try {
        return await read(h.db);
      } finally {
        await h.close();
      }
    },
    cleanup: async () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** A fresh database on a PostgreSQL server (the one at `url` is not touched otherwise). */
export async function postgresFaultStore(url: string): Promise<FaultStore> {
  const name = `patron_fault_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const dbUrl = new URL(url);
  dbUrl.pathname = `/${name}`;
  const handle = connectPostgres(dbUrl.toString(), 2);
  const { workspaceId, writeKey } = await prepare(handle.db);
  await handle.close();
  return {
    kind: 'postgres',
    env: { DATABASE_URL: dbUrl.toString() },
    workspaceId,
    writeKey,
    inspect: async (read) => {
      const h = connectPostgres(dbUrl.toString(), 2);
      try {
        return await read(h.db);
      } finally {
        await h.close();
      }
    },
    cleanup: async () => {
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

interface Batch {
  readonly messageIds: readonly string[];
  readonly body: string;
}

/**
 * A tracking client that behaves as Segment's SDKs do: a batch that was not acknowledged (error, timeout,
 * connection reset) is sent again, with the same message ids, until it is.
 */
export function createBatchClient(writeKey: string, options: { eventsPerBatch?: number } = {}) {
  const size = options.eventsPerBatch ?? 50;
  const auth = `Basic ${Buffer.from(`${writeKey}:`).toString('base64')}`;
  const unacknowledged: Batch[] = [];
  const acknowledged = new Set<string>();
  const stats = { sent: 0, acknowledged: 0, failed: 0, statuses: new Map<number, number>() };
  let next = 0;

  const newBatch = (): Batch => {
    const n = next++;
    const batch = Array.from({ length: size }, (_, i) => ({
      type: 'track',
      messageId: `fault-${n}-${i}`,
      userId: `user-${(n * size + i) % 300}`,
      event: 'Fault Test',
      properties: { batch: n, index: i },
      timestamp: new Date(Date.UTC(2025, 5, 1, 0, 0, n % 60, i)).toISOString(),
    }));
    return { messageIds: batch.map((e) => e.messageId), body: JSON.stringify({ batch }) };
  };

  /** Sends the oldest unacknowledged batch, or a new one; returns whether it was acknowledged. */
  const sendOne = async (baseUrl: string): Promise<boolean> => {
    const batch = unacknowledged.shift() ?? newBatch();
    stats.sent += 1;
    try {
      const res = await fetch(`${baseUrl}/v1/batch`, {
        method: 'POST',
        headers: { authorization: auth, 'content-type': 'application/json' },
        body: batch.body,
        signal: AbortSignal.timeout(15_000),
      });
      await res.arrayBuffer();
      stats.statuses.set(res.status, (stats.statuses.get(res.status) ?? 0) + 1);
      if (res.status === 200) {
        for (const id of batch.messageIds) acknowledged.add(id);
        stats.acknowledged += 1;
        return true;
      }
    } catch {
      // Connection refused or reset, or a timeout: not acknowledged.
    }
    stats.failed += 1;
    unacknowledged.push(batch);
    return false;
  };

  /** Runs `workers` senders until `stop()` says so. */
  const run = (baseUrl: () => string, workers: number, stop: () => boolean) =>
    Promise.all(
      Array.from({ length: workers }, async () => {
        while (!stop()) {
          if (!(await sendOne(baseUrl()))) await new Promise((r) => setTimeout(r, 50));
        }
      }),
    );

  return { sendOne, run, acknowledged, unacknowledged, stats };
}

/** Per message id of the workspace's events, how many rows hold it. */
export async function eventCounts(db: Kysely<Database>, workspaceId: number): Promise<Map<string, number>> {
  const rows = await db
    .selectFrom('events')
    .select(['message_id', (eb) => eb.fn.countAll<number>().as('n')])
    .where('workspace_id', '=', workspaceId)
    .groupBy('message_id')
    .execute();
  return new Map(rows.map((r) => [r.message_id, Number(r.n)]));
}
