import { writeFile } from 'node:fs/promises';
import { Command, InvalidArgumentError } from 'commander';
import { recordAudit, type Workspace } from '../access/index.ts';
import type { DatabaseHandle } from '../db/index.ts';
import { systemClock } from '../lib/clock.ts';
import { PatronError } from '../lib/errors.ts';
import { eraseCustomer, exportCustomerData } from '../privacy/index.ts';
import { resolveWorkspace } from './analyze-command.ts';
import { openDatabase } from './open-database.ts';

const customerIdArgument = (value: string): number => {
  if (!/^\d{1,15}$/.test(value) || Number(value) === 0) throw new InvalidArgumentError('a customer id is a positive whole number (see the customer 360 or the customer list)');
  return Number(value);
};

async function withWorkspace<T>(slug: string | undefined, run: (handle: DatabaseHandle, ws: Workspace) => Promise<T>): Promise<T> {
  const handle = await openDatabase();
  try {
    return await run(handle, await resolveWorkspace(handle, slug));
  } finally {
    await handle.close();
  }
}

/** `patron privacy export|erase`: a customer's data rights from the command line, recorded in the audit log like the API's. */
export function privacyCommand(): Command {
  const privacy = new Command('privacy').description("Customers' privacy rights: data export and erasure");
  privacy
    .command('export')
    .description('Write everything held about a customer (and profiles merged into them) as JSON')
    .argument('<customerId>', 'the customer id', customerIdArgument)
    .option('-w, --workspace <slug>', 'workspace slug (default: "demo", or the only workspace)')
    .option('-o, --out <file>', 'write to this file instead of standard output')
    .action(async (customerId: number, options: { workspace?: string; out?: string }) => {
      await withWorkspace(options.workspace, async (handle, ws) => {
        const data = await exportCustomerData(handle.db, ws, customerId, systemClock);
        const text = `${JSON.stringify(data, null, 2)}\n`;
        if (options.out) await writeFile(options.out, text, 'utf8');
        else process.stdout.write(text);
        await recordAudit(handle.db, {
          workspaceId: ws.id,
          at: systemClock.now(),
          actor: { type: 'cli' },
          action: 'privacy.export',
          targetType: 'customer',
          targetId: data.customerId,
          details: { requestedId: customerId, profileIds: [...data.profileIds], events: data.events.length, orders: data.orders.length },
        });
        if (options.out) console.error(`Wrote customer ${data.customerId} of ${ws.slug} (${data.profileIds.length} profile(s), ${data.orders.length} orders, ${data.events.length} events) to ${options.out}`);
      });
    });
  privacy
    .command('erase')
    .description('Erase a customer: profile, identities, consent, events, scores and merged profiles are deleted; orders stay on an anonymous tombstone')
    .argument('<customerId>', 'the customer id', customerIdArgument)
    .option('-w, --workspace <slug>', 'workspace slug (default: "demo", or the only workspace)')
    .option('--yes', 'confirm: erasure cannot be undone')
    .action(async (customerId: number, options: { workspace?: string; yes?: boolean }) => {
      if (!options.yes) throw new PatronError('invalid_input', `Erasing customer ${customerId} cannot be undone; add --yes to confirm (export first with \`patron privacy export ${customerId}\` if the customer asked for a copy)`);
      await withWorkspace(options.workspace, async (handle, ws) => {
        const result = await eraseCustomer(handle.db, ws, customerId, systemClock);
        await recordAudit(handle.db, {
          workspaceId: ws.id,
          at: result.erasedAt,
          actor: { type: 'cli' },
          action: 'privacy.erase',
          targetType: 'customer',
          targetId: customerId,
          details: { erasedProfileIds: [...result.erasedProfileIds], rows: { ...result.rows } },
        });
        const deleted = Object.entries(result.rows)
          .filter(([table, n]) => n > 0 && table !== 'orders')
          .map(([table, n]) => `${n} ${table}`)
          .join(', ');
        console.log(`Erased customer ${customerId} of ${ws.slug} (profiles ${result.erasedProfileIds.join(', ')}): ${deleted}; ${result.rows.orders} orders kept on anonymous profile ${result.tombstoneId}.`);
      });
    });
  return privacy;
}
