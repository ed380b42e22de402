import { sql, type Kysely, type Transaction } from 'kysely';
import { createApiKey, createWorkspace, ensureDemoUser, findApiKey, findWorkspaceBySlug, type Workspace } from '../../access/index.ts';
import { addTagsToCustomers, applyProfilePatches, normalizeIdentities, resolveCustomers } from '../../customers/index.ts';
import type { Database } from '../../db/index.ts';
import { recordEvents, type EventRow } from '../../events/index.ts';
import { recordOrdersInTransaction, recordRefundsInTransaction, upsertProducts } from '../../orders/index.ts';
import { systemClock } from '../../lib/clock.ts';
import { PatronError } from '../../lib/errors.ts';
import { defaultDemoCustomers, defaultDemoSeed, generateDemo } from './generate.ts';
import { ensureDemoSegments } from './segments.ts';

/** The demo workspace and its documented keys (the README tells people to replace them in production). */
export const demoWorkspace = { slug: 'demo', name: 'Patron Demo 示例商店', defaultCountry: 'CN', currency: 'CNY', timezone: 'Asia/Shanghai' } as const;
export const demoWriteKey = 'demo-write-key';
export const demoSecretKey = 'demo-secret-key';

/** The steps of a load, in order. */
export const demoPhases = ['workspace', 'products', 'customers', 'orders', 'refunds', 'events'] as const;
export type DemoPhase = (typeof demoPhases)[number];

/** Where a load is: overall work done of the total, and the phase it is in. */
export interface DemoProgress {
  readonly phase: DemoPhase;
  readonly done: number;
  readonly total: number;
}

export interface LoadDemoOptions {
  readonly seed?: number;
  readonly customers?: number;
  /** The moment the data ends; defaults to now, so the demo looks current. */
  readonly asOf?: Date;
  readonly onProgress?: (progress: DemoProgress) => void;
}

/** Row counts of the demo workspace. */
export interface DemoCounts {
  readonly customers: number;
  readonly orders: number;
  readonly orderItems: number;
  readonly refunds: number;
  readonly events: number;
  readonly products: number;
}

export interface LoadDemoResult {
  readonly workspace: Workspace;
  /** True when the workspace was already fully loaded and nothing was written. */
  readonly skipped: boolean;
  readonly seed: number;
  readonly customers: number;
  readonly asOf: Date;
  readonly counts: DemoCounts;
}

/** What a load records in the workspace's settings, so an interrupted load resumes with the same data. */
interface DemoMarker {
  seed: number;
  customers: number;
  asOf: string;
  completedAt?: string;
}

const batchSizes = { customers: 1000, orders: 1000, refunds: 1000, events: 5000 } as const;
// Relative cost of a row per phase, so the percentage moves evenly (measured on PGlite: about 0.15 ms an
// event, 0.3 ms an order, 0.5 ms a customer or a refund, 0.15 ms per customer to generate).
const rowCost: Readonly<Record<DemoPhase, number>> = { workspace: 1, products: 1, customers: 3, orders: 2, refunds: 3, events: 1 };

/**
 * Creates the `demo` workspace with its documented API keys and writes the generated data set in
 * batches, each batch one transaction, through the same bulk functions imports use. Re-running is
 * harmless: a fully loaded workspace is left alone (skipped), and an interrupted load resumes with the
 * seed, size and asOf it started with, rewriting only what is missing (the same member numbers, order
 * numbers and message ids make every write an idempotent upsert).
 */
export async function loadDemo(db: Kysely<Database>, options: LoadDemoOptions = {}): Promise<LoadDemoResult> {
  const report = options.onProgress ?? (() => {});
  let workspace = await findWorkspaceBySlug(db, demoWorkspace.slug);
  let marker = workspace ? await readMarker(db, workspace.id) : undefined;
  if (workspace && !marker) {
    throw new PatronError(
      'conflict',
      `The workspace "${demoWorkspace.slug}" has no record of a demo load (it was made by hand, or its settings were replaced); run \`patron demo --reset\` to replace it with the demo`,
    );
  }
  if (workspace && marker) {
    const asked = { seed: options.seed ?? marker.seed, customers: options.customers ?? marker.customers };
    if (asked.seed !== marker.seed || asked.customers !== marker.customers) {
      throw new PatronError(
        'conflict',
        `The demo workspace holds seed ${marker.seed} with ${marker.customers} customers; run \`patron demo --reset\` to replace it with seed ${asked.seed} and ${asked.customers} customers`,
      );
    }
    if (marker.completedAt) return { workspace, skipped: true, seed: marker.seed, customers: marker.customers, asOf: new Date(marker.asOf), counts: await countDemo(db, workspace.id) };
  }
  if (!workspace || !marker) {
    marker = { seed: options.seed ?? defaultDemoSeed, customers: options.customers ?? defaultDemoCustomers, asOf: (options.asOf ?? systemClock.now()).toISOString() };
    const created = marker;
    workspace = await db.transaction().execute(async (trx) => {
      const ws = await createWorkspace(trx, demoWorkspace);
      await writeMarker(trx, ws.id, created);
      return ws;
    });
  }
  const ws = workspace;
  await ensureKeys(db, ws);
  await ensureDemoUser(db, ws.id);

  // Generating takes a few seconds: say so before it starts.
  report({ phase: 'workspace', done: 0, total: 1 });
  const data = generateDemo({ seed: marker.seed, customers: marker.customers, asOf: new Date(marker.asOf) });
  const sizes: Record<DemoPhase, number> = {
    // The workspace step stands for generating the data, which takes about as long per customer as writing one.
    workspace: data.customers.length,
    products: data.products.length,
    customers: data.customers.length,
    orders: data.orders.length,
    refunds: data.refunds.length,
    events: data.events.length,
  };
  const total = demoPhases.reduce((a, p) => a + sizes[p] * rowCost[p], 0);
  let done = 0;
  const advance = (phase: DemoPhase, rows: number) => {
    done += rows * rowCost[phase];
    report({ phase, done: Math.round(done), total: Math.round(total) });
  };
  advance('workspace', data.customers.length);

  await upsertProducts(db, ws, data.products);
  advance('products', data.products.length);

  const customerIds = new Map<string, number>();
  for (const batch of chunks(data.customers, batchSizes.customers)) {
    const ids = await db.transaction().execute(async (trx) => {
      const resolved = await resolveCustomers(trx, ws, batch.map((c) => ({ identities: normalizeIdentities(c.identities, ws.defaultCountry) })), 'demo');
      await applyProfilePatches(trx, ws.id, batch.map((c, n) => ({ customerId: resolved[n]!, patch: c.profile })));
      await addTagsToCustomers(trx, ws.id, batch.flatMap((c, n) => c.tags.map((tag) => ({ customerId: resolved[n]!, tag }))));
      return resolved;
    });
    batch.forEach((c, n) => customerIds.set(c.externalId, ids[n]!));
    advance('customers', batch.length);
  }
  await refreshPlannerStatistics(db, ['customers', 'identities']);

  for (const batch of chunks(data.orders, batchSizes.orders)) {
    await db.transaction().execute((trx) => recordOrdersInTransaction(trx, ws, batch, 'demo'));
    advance('orders', batch.length);
  }
  await refreshPlannerStatistics(db, ['orders', 'order_items', 'customer_stats']);

  for (const batch of chunks(data.refunds, batchSizes.refunds)) {
    await db.transaction().execute((trx) => recordRefundsInTransaction(trx, ws, batch, 'demo'));
    advance('refunds', batch.length);
  }

  for (const batch of chunks(data.events, batchSizes.events)) {
    const rows: EventRow[] = batch.map((e) => ({
      messageId: e.messageId,
      customerId: e.customerExternalId === null ? null : customerIds.get(e.customerExternalId)!,
      anonymousId: e.anonymousId,
      type: e.type,
      name: e.name,
      occurredAt: e.occurredAt,
      // Tracking SDKs deliver within a second or so.
      receivedAt: new Date(e.occurredAt.getTime() + 700),
      properties: e.properties,
      context: e.context,
    }));
    await db.transaction().execute((trx) => recordEvents(trx, ws.id, rows));
    advance('events', batch.length);
  }

  await ensureDemoSegments(db, ws, systemClock);
  await writeMarker(db, ws.id, { ...marker, completedAt: systemClock.now().toISOString() });
  return { workspace: ws, skipped: false, seed: marker.seed, customers: marker.customers, asOf: new Date(marker.asOf), counts: await countDemo(db, ws.id) };
}

/**
 * Whether the demo workspace exists, whether a demo load started it (its record in the settings) and
 * finished, and whether any other workspace exists (a fresh install has none).
 */
export async function demoStatus(db: Kysely<Database>): Promise<{ exists: boolean; startedByLoader: boolean; complete: boolean; otherWorkspaces: boolean }> {
  const others = await db.selectFrom('workspaces').select('id').where('slug', '<>', demoWorkspace.slug).limit(1).execute();
  const ws = await findWorkspaceBySlug(db, demoWorkspace.slug);
  const marker = ws ? await readMarker(db, ws.id) : undefined;
  return { exists: ws !== undefined, startedByLoader: marker !== undefined, complete: Boolean(marker?.completedAt), otherWorkspaces: others.length > 0 };
}

async function ensureKeys(db: Kysely<Database>, ws: Workspace): Promise<void> {
  for (const [kind, plain, name] of [
    ['write', demoWriteKey, 'Demo write key (documented; replace in production)'],
    ['secret', demoSecretKey, 'Demo secret key (documented; replace in production)'],
  ] as const) {
    const existing = await findApiKey(db, plain);
    if (existing?.workspaceId === ws.id) continue;
    if (existing) throw new PatronError('conflict', `The documented demo key "${plain}" already belongs to workspace ${existing.workspaceId}; revoke it there first`);
    await createApiKey(db, { workspaceId: ws.id, kind, name, plain });
  }
}

// The marker lives in the workspace's settings under "demo"; the settings schema ignores the key.
async function readMarker(db: Kysely<Database>, workspaceId: number): Promise<DemoMarker | undefined> {
  const row = await sql<{ demo: DemoMarker | null }>`SELECT settings -> 'demo' AS demo FROM workspaces WHERE id = ${workspaceId}`.execute(db);
  return row.rows[0]?.demo ?? undefined;
}

async function writeMarker(db: Kysely<Database> | Transaction<Database>, workspaceId: number, marker: DemoMarker): Promise<void> {
  await sql`UPDATE workspaces SET settings = settings || jsonb_build_object('demo', ${JSON.stringify(marker)}::jsonb) WHERE id = ${workspaceId}`.execute(db);
}

/** Counts the rows of a workspace that the demo writes. */
export async function countDemo(db: Kysely<Database>, workspaceId: number): Promise<DemoCounts> {
  const r = await sql<Record<keyof DemoCounts, number>>`
    SELECT (SELECT count(*) FROM customers WHERE workspace_id = ${workspaceId} AND merged_into IS NULL)::int AS customers,
           (SELECT count(*) FROM orders WHERE workspace_id = ${workspaceId})::int AS orders,
           (SELECT count(*) FROM order_items WHERE workspace_id = ${workspaceId})::int AS "orderItems",
           (SELECT count(*) FROM order_refunds WHERE workspace_id = ${workspaceId})::int AS refunds,
           (SELECT count(*) FROM events WHERE workspace_id = ${workspaceId})::int AS events,
           (SELECT count(*) FROM products WHERE workspace_id = ${workspaceId})::int AS products`.execute(db);
  return r.rows[0]!;
}

/**
 * Bulk loads outgrow the planner's statistics: PGlite has no autovacuum and a server's runs later, so
 * until then lookups by key can be planned as scans of the whole (just grown) table. ANALYZE after each
 * bulk phase keeps the following phases' lookups on their indexes.
 */
async function refreshPlannerStatistics(db: Kysely<Database>, tables: readonly ('customers' | 'identities' | 'orders' | 'order_items' | 'customer_stats')[]): Promise<void> {
  await sql`ANALYZE ${sql.join(tables.map((t) => sql.table(t)))}`.execute(db);
}

function* chunks<T>(items: readonly T[], size: number): Generator<T[]> {
  for (let i = 0; i < items.length; i += size) yield items.slice(i, i + size);
}
