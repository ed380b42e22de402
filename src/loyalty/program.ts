import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database } from '../db/index.ts';
import type { Clock } from '../lib/clock.ts';
import { invalidInput, PatronError } from '../lib/errors.ts';
import { programRulesSchema, saveProgramSchema, type ProgramRules, type SaveProgramInput } from './schema.ts';

type Db = Kysely<Database> | Transaction<Database>;

/** A program as the ledger needs it. */
export interface Program {
  readonly id: number;
  readonly name: string;
  readonly active: boolean;
  readonly rules: ProgramRules;
}

function toProgram(row: { id: number; name: string; active: boolean; rules: unknown }): Program {
  return { id: row.id, name: row.name, active: row.active, rules: programRulesSchema.parse(row.rules) };
}

/**
 * Creates the workspace's program, or replaces the rules of the one with this id. Only one program is
 * active per workspace; activating one deactivates the others. Changed rules apply to later postings only.
 */
export async function saveProgram(db: Kysely<Database>, workspaceId: number, input: SaveProgramInput, clock: Clock, id?: number): Promise<Program> {
  const parsed = saveProgramSchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw invalidInput(`program ${issue.path.join('.') || 'value'}: ${issue.message}`, { path: issue.path.map((p) => (typeof p === 'number' ? p : String(p))) });
  }
  const { name, active, rules } = parsed.data;
  const now = clock.now();
  return db.transaction().execute(async (trx) => {
    // The workspace row serializes program saves, so two activations cannot both win.
    await sql`SELECT id FROM workspaces WHERE id = ${workspaceId} FOR UPDATE`.execute(trx);
    if (active) {
      await trx.updateTable('loyalty_programs').set({ active: false, updated_at: now }).where('workspace_id', '=', workspaceId).where('active', '=', true).$if(id !== undefined, (q) => q.where('id', '<>', id!)).execute();
    }
    const values = { name, active, rules: JSON.stringify(rules), updated_at: now };
    const row =
      id === undefined
        ? await trx.insertInto('loyalty_programs').values({ workspace_id: workspaceId, ...values, created_at: now }).returning(['id', 'name', 'active', 'rules']).executeTakeFirstOrThrow()
        : await trx.updateTable('loyalty_programs').set(values).where('workspace_id', '=', workspaceId).where('id', '=', id).returning(['id', 'name', 'active', 'rules']).executeTakeFirst();
    if (!row) throw new PatronError('not_found', `loyalty program ${id} does not exist`, { path: ['id'], value: id });
    return toProgram(row);
  });
}

/** The workspace's active program, or undefined when loyalty is off. */
export async function findActiveProgram(db: Db, workspaceId: number): Promise<Program | undefined> {
  const row = await db.selectFrom('loyalty_programs').select(['id', 'name', 'active', 'rules']).where('workspace_id', '=', workspaceId).where('active', '=', true).executeTakeFirst();
  return row ? toProgram(row) : undefined;
}

/** The active program, or a not_found error telling the caller to create one. */
export async function requireActiveProgram(db: Db, workspaceId: number): Promise<Program> {
  const program = await findActiveProgram(db, workspaceId);
  if (!program) throw new PatronError('not_found', 'this workspace has no active loyalty program; create one with PUT /api/loyalty/program first');
  return program;
}

/** Every program of the workspace, newest first. */
export async function listPrograms(db: Db, workspaceId: number): Promise<Program[]> {
  const rows = await db.selectFrom('loyalty_programs').select(['id', 'name', 'active', 'rules']).where('workspace_id', '=', workspaceId).orderBy('id', 'desc').execute();
  return rows.map(toProgram);
}
