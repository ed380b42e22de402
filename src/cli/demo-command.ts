import { Command } from 'commander';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import { demoLogin, ensureDemoUser, findWorkspaceBySlug, recordAudit, setupNeeded } from '../access/index.ts';
import type { Database } from '../db/index.ts';
import { deleteDemo, demoSecretKey, demoStatus, demoWorkspace, demoWriteKey, loadDemo, type DemoProgress, type LoadDemoOptions, type LoadDemoResult } from '../ingest/index.ts';
import { invalidInput } from '../lib/errors.ts';
import { readConfig } from '../config.ts';
import { openDatabase } from './open-database.ts';

const phaseLabels: Readonly<Record<DemoProgress['phase'], string>> = {
  workspace: 'workspace',
  products: 'products',
  customers: 'customers',
  orders: 'orders',
  refunds: 'refunds',
  events: 'events',
};

/** Where progress goes: stderr, or anything with write (tests). */
export interface LineStream {
  readonly isTTY?: boolean;
  write(text: string): unknown;
}

/**
 * A one-line progress indicator on stderr: rewritten in place on a terminal, one line per phase
 * otherwise (logs and CI stay readable).
 */
export function demoProgressLine(stream: LineStream = process.stderr): { update(p: DemoProgress): void; finish(): void } {
  let shown = '';
  let lastPhase = '';
  return {
    update(p) {
      const percent = p.total > 0 ? Math.floor((100 * p.done) / p.total) : 0;
      const line = `Loading demo data… ${percent}% (${phaseLabels[p.phase]})`;
      if (line === shown) return;
      if (stream.isTTY) stream.write(`\r\x1b[2K${line}`);
      else if (p.phase !== lastPhase) stream.write(`${line}\n`);
      shown = line;
      lastPhase = p.phase;
    },
    finish() {
      if (stream.isTTY && shown !== '') stream.write('\r\x1b[2K');
    },
  };
}

const flagsSchema = z.object({
  seed: z.coerce.number().int().min(0).max(2 ** 32 - 1).optional(),
  customers: z.coerce.number().int().min(1).max(1_000_000).optional(),
  asOf: z
    .string()
    .optional()
    .transform((value, ctx) => {
      if (value === undefined) return undefined;
      // A bare date means the end of that day in the shop's time zone (China Standard Time, no DST).
      const at = /^\d{4}-\d{2}-\d{2}$/.test(value) ? new Date(Date.parse(`${value}T00:00:00+08:00`) + 86_400_000) : new Date(value);
      if (Number.isNaN(at.getTime())) {
        ctx.addIssue({ code: 'custom', message: 'give a date (YYYY-MM-DD) or an ISO date-time' });
        return z.NEVER;
      }
      return at;
    }),
  reset: z.boolean().default(false),
});

/** Parses the flags of `patron demo` (commander hands them over as strings). */
export function parseDemoFlags(flags: unknown): z.output<typeof flagsSchema> {
  const parsed = flagsSchema.safeParse(flags);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const flag = `--${String(issue.path[0]).replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
    throw invalidInput(`${flag}: ${issue.message}`, { path: [flag] });
  }
  return parsed.data;
}

const count = (n: number) => n.toLocaleString('en-US');

/** What the load did, for the terminal. */
export function describeDemoLoad(result: LoadDemoResult, seconds: number | undefined, baseUrl = 'http://localhost:3000'): string {
  const c = result.counts;
  const what = `${count(c.customers)} customers, ${count(c.orders)} orders (${count(c.orderItems)} lines, ${count(c.refunds)} refunds), ${count(c.events)} events, ${count(c.products)} products`;
  const asOf = result.asOf.toISOString().slice(0, 10);
  const head = result.skipped
    ? `The demo workspace "${demoWorkspace.slug}" is already loaded (seed ${result.seed}, as of ${asOf}): ${what}. Use --reset to load it again.`
    : `Loaded the demo workspace "${demoWorkspace.slug}" (${demoWorkspace.name}) in ${(seconds ?? 0).toFixed(1)} s: ${what}; seed ${result.seed}, data up to ${asOf}.`;
  return `${head}\nConsole sign-in at ${baseUrl}: ${demoLogin.email} / ${demoLogin.password}.\nAdmin API key: ${demoSecretKey} (e.g. curl -H 'Authorization: Bearer ${demoSecretKey}' ${baseUrl}/api/customers); tracking write key: ${demoWriteKey}. Replace the keys and the demo login in production.`;
}

/** `patron demo`: generate the demo data set and load it into the `demo` workspace. */
export function demoCommand(): Command {
  return new Command('demo')
    .description('Load the demo data set into the "demo" workspace: a tea & lifestyle retailer with 20,000 customers, two years of orders and tracking events (deterministic for a seed)')
    .option('--seed <n>', 'random seed; the same seed gives the same data (default 42)')
    .option('--customers <n>', 'number of customers (default 20000)')
    .option('--as-of <date>', 'when the data ends: YYYY-MM-DD (end of that day, Asia/Shanghai) or an ISO date-time (default: now)')
    .option('--reset', 'delete the demo workspace and everything in it first, then load again')
    .addHelpText(
      'after',
      [
        '',
        `The workspace gets the documented API keys ${demoSecretKey} (admin API, Bearer) and ${demoWriteKey}`,
        '(tracking API); replace them in production. Running it again leaves a loaded demo alone; an interrupted',
        'load resumes with the seed and date it started with. `patron serve` loads the demo on the first start of',
        'an empty installation; set PATRON_NO_DEMO=1 to start empty instead.',
      ].join('\n'),
    )
    .action(async (raw: unknown) => {
      const flags = parseDemoFlags(raw);
      const handle = await openDatabase();
      try {
        if (flags.reset && (await deleteDemo(handle.db))) process.stderr.write(`Deleted the demo workspace "${demoWorkspace.slug}".\n`);
        const progress = demoProgressLine();
        const started = performance.now();
        let result: LoadDemoResult;
        try {
          result = await loadDemo(handle.db, { seed: flags.seed, customers: flags.customers, asOf: flags.asOf, onProgress: progress.update });
        } finally {
          progress.finish();
        }
        console.log(describeDemoLoad(result, (performance.now() - started) / 1000, `http://localhost:${readConfig().port}`));
        if (!result.skipped) {
          const details = { seed: result.seed, customers: result.customers, reset: flags.reset };
          await recordAudit(handle.db, { workspaceId: result.workspace.id, at: new Date(), actor: { type: 'cli' }, action: 'cli demo', details });
        }
      } finally {
        await handle.close();
      }
    });
}

const noDemoSchema = z.enum(['', '0', '1', 'false', 'true']).optional();

/**
 * The first-start hook of `patron serve`: on a fresh installation (no workspace at all, or only a demo
 * load that was interrupted) load the demo with a progress line, unless PATRON_NO_DEMO=1.
 */
export async function loadDemoOnFirstStart(
  db: Kysely<Database>,
  options: { env?: NodeJS.ProcessEnv; baseUrl?: string; stream?: LineStream; load?: Omit<LoadDemoOptions, 'onProgress'> } = {},
): Promise<LoadDemoResult | undefined> {
  const stream = options.stream ?? process.stderr;
  const noDemo = noDemoSchema.safeParse((options.env ?? process.env).PATRON_NO_DEMO);
  if (!noDemo.success) throw invalidInput('Environment variable PATRON_NO_DEMO is invalid: use 1 to start without the demo data', { path: ['PATRON_NO_DEMO'] });
  if (noDemo.data === '1' || noDemo.data === 'true') return undefined;
  const status = await demoStatus(db);
  // Load into an empty installation, or finish a load that was interrupted; never touch anything else.
  // A demo loaded before console users existed gets its documented login, while nobody else has signed up.
  if (status.exists && status.complete && (await setupNeeded(db))) await ensureDemoUser(db, (await findWorkspaceBySlug(db, demoWorkspace.slug))!.id);
  if (status.otherWorkspaces || (status.exists && (status.complete || !status.startedByLoader))) return undefined;
  const progress = demoProgressLine(stream);
  const started = performance.now();
  try {
    const result = await loadDemo(db, { ...options.load, onProgress: progress.update });
    progress.finish();
    stream.write(`${describeDemoLoad(result, (performance.now() - started) / 1000, options.baseUrl)}\nSet PATRON_NO_DEMO=1 to start an empty installation without it.\n`);
    return result;
  } catch (error) {
    progress.finish();
    throw error;
  }
}
