import { sql, type Kysely } from 'kysely';

/**
 * Runs a script of DDL statements one by one: PGlite's extended protocol takes one statement per
 * query. Statements are split at a semicolon that ends a line, so keep function bodies out of scripts.
 */
export async function runStatements(db: Kysely<unknown>, script: string): Promise<void> {
  for (const statement of script.split(/;\s*\n/)) {
    if (statement.trim() !== '') await sql.raw(statement).execute(db);
  }
}
