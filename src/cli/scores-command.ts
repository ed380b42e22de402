import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { Command } from 'commander';
import { streamCustomerScores, type ScoreExportRow } from '../analytics/index.ts';
import { fromMinorUnits } from '../lib/money.ts';
import { resolveWorkspace } from './analyze-command.ts';
import { openDatabase } from './open-database.ts';

const header = [
  'customer_id',
  'external_id',
  'recency_days',
  'frequency',
  'monetary',
  'r_score',
  'f_score',
  'm_score',
  'rfm_segment',
  'lifecycle_stage',
  'value_tier',
  'p_alive',
  'expected_purchases_30',
  'expected_purchases_90',
  'expected_purchases_365',
  'expected_aov',
  'clv',
];

// RFC 4180: quote a field holding a comma, quote or line break, doubling its quotes.
const field = (v: string | number | null) => {
  if (v === null) return '';
  const text = String(v);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
};

function csvLine(r: ScoreExportRow, currency: string): string {
  const money = (minor: number | null) => (minor === null ? null : fromMinorUnits(Math.round(minor), currency));
  const ratio = (v: number | null) => (v === null ? null : Number(v.toFixed(6)));
  return [
    r.customer_id,
    r.external_id,
    r.recency_days,
    r.frequency,
    money(r.monetary_minor),
    r.r_score,
    r.f_score,
    r.m_score,
    r.rfm_segment,
    r.lifecycle_stage,
    r.value_tier,
    ratio(r.p_alive),
    ratio(r.expected_purchases_30),
    ratio(r.expected_purchases_90),
    ratio(r.expected_purchases_365),
    money(r.expected_aov_minor),
    money(r.clv_minor),
  ]
    .map(field)
    .join(',');
}

/** `patron scores export FILE.csv`: one row per scored customer, streamed to the file. */
export function scoresCommand(): Command {
  const scores = new Command('scores').description('Customer scores');
  scores
    .command('export')
    .description('Write every customer’s current scores to a CSV file (amounts in the workspace currency, e.g. 12.34)')
    .argument('<file>', 'the CSV file to write')
    .option('-w, --workspace <slug>', 'workspace slug (default: "demo", or the only workspace)')
    .action(async (file: string, options: { workspace?: string }) => {
      const handle = await openDatabase();
      try {
        const ws = await resolveWorkspace(handle, options.workspace);
        const out = createWriteStream(file, { encoding: 'utf8' });
        out.write(`${header.join(',')}\n`);
        let rows = 0;
        for await (const batch of streamCustomerScores(handle.db, ws.id)) {
          const text = batch.map((r) => csvLine(r, ws.currency)).join('\n') + '\n';
          rows += batch.length;
          if (!out.write(text)) await once(out, 'drain');
        }
        out.end();
        await once(out, 'finish');
        console.log(`Wrote ${rows.toLocaleString('en-US')} customers of ${ws.slug} to ${file}${rows === 0 ? ' (no scores yet: run `patron analyze` first)' : ''}`);
      } finally {
        await handle.close();
      }
    });
  return scores;
}
