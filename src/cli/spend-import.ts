import { basename } from 'node:path';
import { recordAudit, type Workspace } from '../access/index.ts';
import { importSpendFile } from '../analytics/index.ts';
import type { DatabaseHandle } from '../db/index.ts';

/** `patron import spend FILE`: marketing spend per channel and day or month, for CAC; prints a summary and sets the exit code like the other imports. */
export async function runSpendImport(handle: DatabaseHandle, workspace: Workspace, file: string, rejectsPath: string | undefined): Promise<void> {
  const summary = await importSpendFile(handle.db, workspace, file, rejectsPath === undefined ? {} : { rejectsPath });
  console.log(`Spend: ${summary.saved.toLocaleString('en-US')} of ${summary.rows.toLocaleString('en-US')} rows saved into ${workspace.slug}` + (summary.rejectsPath ? `; ${summary.rejected} rejected, see ${summary.rejectsPath}` : ''));
  await recordAudit(handle.db, { workspaceId: workspace.id, at: new Date(), actor: { type: 'cli' }, action: 'cli import spend', details: { file: basename(file), saved: summary.saved, rejected: summary.rejected } });
  process.exitCode = summary.rejected > 0 ? 2 : 0;
}
