import type { Kysely } from 'kysely';
import { createWorkspace, type CreateWorkspaceInput, type Workspace } from '../src/access/index.ts';
import type { Database } from '../src/db/index.ts';

let counter = 0;

/** A new workspace with a unique slug (defaults: China, CNY, Asia/Shanghai). */
export async function testWorkspace(db: Kysely<Database>, overrides: Partial<CreateWorkspaceInput> = {}): Promise<Workspace> {
  counter += 1;
  return createWorkspace(db, { slug: `ws-${process.pid}-${counter}`, name: `Test ${counter}`, ...overrides });
}
