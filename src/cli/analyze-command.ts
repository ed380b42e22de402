import { Command, Option } from 'commander';
import { findWorkspaceBySlug, recordAudit, type Workspace } from '../access/index.ts';
import {
  dateInZone,
  getAnalyticsSettings,
  holdoutReport,
  lifecycleStageLabels,
  precomputeOverview,
  lifecycleStages,
  rfmSegmentLabels,
  rfmSegments,
  runScoring,
  valueTiers,
  type HoldoutReport,
  type ScoreRunSummary,
} from '../analytics/index.ts';
import type { DatabaseHandle } from '../db/index.ts';
import { systemClock } from '../lib/clock.ts';
import { PatronError } from '../lib/errors.ts';
import { openDatabase } from './open-database.ts';

/** The workspace a command works on: the named one, else "demo", else the only one there is. */
export async function resolveWorkspace(handle: DatabaseHandle, slug: string | undefined): Promise<Workspace> {
  if (slug !== undefined) {
    const ws = await findWorkspaceBySlug(handle.db, slug);
    if (!ws) throw new PatronError('not_found', `There is no workspace "${slug}"; give the slug of an existing workspace with --workspace`, { path: ['workspace'], value: slug });
    return ws;
  }
  const demo = await findWorkspaceBySlug(handle.db, 'demo');
  if (demo) return demo;
  const rows = await handle.db.selectFrom('workspaces').select('slug').limit(2).execute();
  if (rows.length === 1) return (await findWorkspaceBySlug(handle.db, rows[0]!.slug))!;
  throw new PatronError('invalid_input', rows.length === 0 ? 'There are no workspaces yet; import data first' : 'There are several workspaces; choose one with --workspace SLUG', { path: ['workspace'] });
}

const count = (n: number) => n.toLocaleString('en-US');
const pct = (n: number, total: number) => (total === 0 ? '' : `${((100 * n) / total).toFixed(1)}%`);

/** The run summary as the terminal shows it. */
export function formatRunSummary(ws: Workspace, s: ScoreRunSummary): string {
  const lines = [`Scored ${count(s.customers)} customers of ${ws.slug} as of ${s.asOf} in ${s.seconds.toFixed(2)} s (${s.kind} run ${s.runId})`, '', 'RFM segments:'];
  for (const seg of rfmSegments) {
    const n = s.segments[seg] ?? 0;
    lines.push(`  ${rfmSegmentLabels[seg].en.padEnd(20)} ${rfmSegmentLabels[seg].zh.padEnd(6, '　')} ${count(n).padStart(11)} ${pct(n, s.customers).padStart(7)}`);
  }
  lines.push('', `Lifecycle:   ${lifecycleStages.map((st) => `${lifecycleStageLabels[st].en.toLowerCase()} ${count(s.stages[st] ?? 0)}`).join(' · ')}`);
  const { dormantAfterDays, churnedAfterDays, source } = s.params.lifecycle;
  lines.push(`             dormant after ${dormantAfterDays} days, churned after ${churnedAfterDays} days (${source})`);
  lines.push(`Value tiers: ${valueTiers.map((t) => `${t} ${count(s.tiers[t] ?? 0)}`).join(' · ')} (by ${s.params.tiers.basis})`);
  const clv = s.params.clv;
  if (clv) {
    const b = clv.bgnbd;
    lines.push(`BG/NBD:      r ${b.r.toFixed(4)}  α ${b.alpha.toFixed(4)}  a ${b.a.toFixed(4)}  b ${b.b.toFixed(4)}  log-likelihood ${clv.bgnbdFit.logLikelihood.toFixed(1)} (${count(clv.bgnbdFit.distinctRows)} distinct histories, ${clv.timeUnit})`);
    if (clv.gammaGamma) lines.push(`Gamma-Gamma: p ${clv.gammaGamma.p.toFixed(4)}  q ${clv.gammaGamma.q.toFixed(4)}  γ ${clv.gammaGamma.gamma.toFixed(2)} (minor units)`);
  }
  lines.push(`Churn warnings: ${count(s.warnings)} · history rows ${count(s.historyRows)} · stage changes ${count(s.transitions)}`);
  for (const p of s.problems) lines.push(`Note: ${p}`);
  lines.push(`Steps (s): ${Object.entries(s.steps).map(([k, v]) => `${k} ${v.toFixed(2)}`).join(', ')}`);
  return lines.join('\n');
}

/** The calibration/holdout check as the terminal shows it. */
export function formatHoldout(ws: Workspace, h: HoldoutReport): string {
  const p = h.params;
  const lines = [
    `BG/NBD fitted on ${ws.slug} up to ${h.calibrationEnd} (${h.customers.toLocaleString('en-US')} customers, ${h.timeUnit}): r ${p.r.toFixed(4)}  α ${p.alpha.toFixed(4)}  a ${p.a.toFixed(4)}  b ${p.b.toFixed(4)}  log-likelihood ${h.logLikelihood.toFixed(1)}`,
    `Repeat order days per customer in the holdout ${h.calibrationEnd} … ${h.holdoutEnd} (${h.holdoutDays} days):`,
    '  x in calibration   customers    actual  expected',
  ];
  for (const r of h.byRepeatPurchases) {
    lines.push(`  ${(r.x === 7 ? '7+' : String(r.x)).padStart(17)} ${r.customers.toLocaleString('en-US').padStart(11)} ${r.actual.toFixed(3).padStart(9)} ${r.expected.toFixed(3).padStart(9)}`);
  }
  lines.push(`  ${'total'.padStart(17)} ${''.padStart(11)} ${h.total.actual.toFixed(0).padStart(9)} ${h.total.expected.toFixed(1).padStart(9)}`);
  return lines.join('\n');
}

/** `patron analyze`: score every buyer of a workspace and print a summary. */
export function analyzeCommand(): Command {
  return new Command('analyze')
    .description('Score every customer (RFM, lifecycle stage, value tier, P(alive), CLV, churn warnings) and print a summary')
    .option('-w, --workspace <slug>', 'workspace slug (default: "demo", or the only workspace)')
    .option('--as-of <date>', 'score as of this date (YYYY-MM-DD, workspace time zone; default today)')
    .option('--cold', 'rebuild customer_stats from raw orders first (after a bulk import)', false)
    .option('--holdout <date>', 'instead of scoring, check BG/NBD: fit on orders up to this date, compare expected and actual purchases from then to --as-of')
    .addOption(new Option('--json', 'print the run summary as JSON').default(false))
    .action(async (options: { workspace?: string; asOf?: string; cold: boolean; holdout?: string; json: boolean }) => {
      const handle = await openDatabase();
      try {
        const ws = await resolveWorkspace(handle, options.workspace);
        if (options.holdout !== undefined) {
          const settings = await getAnalyticsSettings(handle.db, ws.id);
          const holdoutEnd = options.asOf ?? dateInZone(new Date(), ws.timezone);
          const report = await holdoutReport(handle.db, ws, { calibrationEnd: options.holdout, holdoutEnd, timeUnit: settings.clv.timeUnit });
          console.log(options.json ? JSON.stringify(report, null, 2) : formatHoldout(ws, report));
          return;
        }
        const summary = await runScoring(handle.db, ws, { asOf: options.asOf, cold: options.cold });
        console.log(options.json ? JSON.stringify(summary, null, 2) : formatRunSummary(ws, summary));
        // The console's overview reads views precomputed from the run (KPIs of its preset periods, cohorts).
        const overview = await precomputeOverview(handle.db, ws, summary.asOf, systemClock);
        console.error(`Overview precomputed (${overview.views} views) in ${overview.seconds.toFixed(2)} s`);
        await recordAudit(handle.db, { workspaceId: ws.id, at: new Date(), actor: { type: 'cli' }, action: 'cli analyze', details: { customers: summary.customers, cold: options.cold, asOf: options.asOf ?? null } });
      } finally {
        await handle.close();
      }
    });
}
