import { sql, type Kysely } from 'kysely';
import { findWorkspaceBySlug } from '../../access/index.ts';
import type { Database } from '../../db/index.ts';
import { demoWorkspace } from './load.ts';

/**
 * Deletes the demo workspace and every row it owns, in one transaction; returns whether it existed.
 * The tables are read from the database catalogue (every table with a workspace_id column), not from
 * a list here, so tables that later modules add are emptied too; referencing tables go first.
 */
export async function deleteDemo(db: Kysely<Database>): Promise<boolean> {
  const ws = await findWorkspaceBySlug(db, demoWorkspace.slug);
  if (!ws) return false;
  await db.transaction().execute(async (trx) => {
    const tables = await sql<{ name: string }>`
      SELECT c.table_name AS name
      FROM information_schema.columns c
      JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name
      WHERE c.table_schema = current_schema() AND c.column_name = 'workspace_id' AND t.table_type = 'BASE TABLE'
      ORDER BY c.table_name`.execute(trx);
    const references = await sql<{ child: string; parent: string }>`
      SELECT child.relname AS child, parent.relname AS parent
      FROM pg_constraint k
      JOIN pg_class child ON child.oid = k.conrelid
      JOIN pg_class parent ON parent.oid = k.confrelid
      JOIN pg_namespace n ON n.oid = child.relnamespace
      WHERE k.contype = 'f' AND n.nspname = current_schema() AND child.oid <> parent.oid`.execute(trx);
    let remaining = tables.rows.map((t) => t.name);
    while (remaining.length > 0) {
      // A table nothing left refers to can be emptied now; on a cycle, take them in name order.
      const free = remaining.filter((t) => !references.rows.some((r) => r.parent === t && r.child !== t && remaining.includes(r.child)));
      const next = free.length > 0 ? free : remaining;
      for (const table of next) await sql`DELETE FROM ${sql.table(table)} WHERE workspace_id = ${ws.id}`.execute(trx);
      remaining = remaining.filter((t) => !next.includes(t));
    }
    await trx.deleteFrom('workspaces').where('id', '=', ws.id).execute();
  });
  return true;
}
