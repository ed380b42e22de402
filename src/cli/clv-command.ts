// `patron clv`: fits the buy-till-you-die models to a per-customer summary file and reports the
// maximum-likelihood parameters, as a table for people or JSON for scripts.
import { createReadStream } from 'node:fs';
import { access } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import { Command, Option } from 'commander';
import { parse } from 'csv-parse';
import {
  clvModels,
  fitBgNbd,
  fitGammaGamma,
  fitParetoNbd,
  parseSummaryRow,
  summarizeForFit,
  summarizeSpendForFit,
  summaryColumnsFor,
  type ClvModel,
  type FitResult,
  type SummaryColumns,
  type SummaryRow,
} from '../analytics/clv/index.ts';
import { PatronError, assertNever } from '../lib/errors.ts';

const modelTitles: Record<ClvModel, string> = {
  bgnbd: 'BG/NBD',
  'pareto-nbd': 'Pareto/NBD',
  'gamma-gamma': 'Gamma-Gamma',
};

interface FitOutcome {
  readonly model: ClvModel;
  readonly fit: FitResult<Record<string, number>>;
  /** Customers in the file; for Gamma-Gamma more than those fitted, which are the repeat buyers. */
  readonly rowsRead: number;
  readonly seconds: number;
}

// Streams the file through csv-parse so a million-row summary is never held as text.
async function readSummaryRows(file: string, model: ClvModel): Promise<SummaryRow[]> {
  try {
    await access(file);
  } catch {
    throw new PatronError('not_found', `Cannot read the summary file ${file}: it does not exist or is not readable.`, {
      path: ['summary'],
      value: file,
    });
  }
  let columns: SummaryColumns | undefined;
  const parser = createReadStream(file).pipe(
    parse({
      bom: true,
      skip_empty_lines: true,
      columns: (headers: string[]) => {
        columns = summaryColumnsFor(headers, model);
        return headers;
      },
    }),
  );
  const rows: SummaryRow[] = [];
  for await (const record of parser as AsyncIterable<Record<string, string>>) {
    rows.push(parseSummaryRow(record, columns!, model, rows.length + 1));
  }
  if (columns === undefined) {
    throw new PatronError('invalid_input', `The summary file ${file} is empty: it needs a header row and one row per customer.`, {
      path: ['summary'],
      value: file,
    });
  }
  return rows;
}

function fitModel(model: ClvModel, rows: readonly SummaryRow[]): FitResult<Record<string, number>> {
  switch (model) {
    case 'bgnbd':
      return widen(fitBgNbd(summarizeForFit(rows)));
    case 'pareto-nbd':
      return widen(fitParetoNbd(summarizeForFit(rows)));
    case 'gamma-gamma':
      return widen(fitGammaGamma(summarizeSpendForFit(rows)));
    default:
      return assertNever(model, 'CLV model');
  }
}

function widen<P extends object>(fit: FitResult<P>): FitResult<Record<string, number>> {
  return { ...fit, params: { ...fit.params } as Record<string, number> };
}

function formatNumber(value: number): string {
  const size = Math.abs(value);
  return size === 0 || (size >= 1e-3 && size < 1e7) ? value.toFixed(4) : value.toExponential(4);
}

function formatTable(outcome: FitOutcome): string {
  const { model, fit, rowsRead, seconds } = outcome;
  const used =
    model === 'gamma-gamma'
      ? `${fit.customers.toLocaleString('en')} repeat buyers of ${rowsRead.toLocaleString('en')} customers`
      : `${fit.customers.toLocaleString('en')} customers`;
  const lines = [
    `${modelTitles[model]} fitted on ${used} (${fit.distinctRows.toLocaleString('en')} distinct rows) in ${seconds.toFixed(3)} s`,
    '',
    `  ${'parameter'.padEnd(16)}${'value'.padStart(12)}`,
    ...Object.entries(fit.params).map(([name, value]) => `  ${name.padEnd(16)}${formatNumber(value).padStart(12)}`),
    '',
    `  ${'log-likelihood'.padEnd(16)}${fit.logLikelihood.toFixed(4).padStart(12)}`,
    `  ${'converged'.padEnd(16)}${(fit.converged ? 'yes' : 'NO').padStart(12)}  (${fit.iterations} iterations)`,
  ];
  if (!fit.converged) {
    lines.push('', 'The optimizer stopped before meeting its tolerances; treat these estimates with care.');
  }
  return `${lines.join('\n')}\n`;
}

/** Builds the `patron clv` command; output goes to write (stdout by default), errors are thrown as PatronError. */
export function clvCommand(write: (text: string) => void = (text) => void process.stdout.write(text)): Command {
  const clv = new Command('clv').description(
    'Customer lifetime value models: fit BG/NBD, Pareto/NBD and Gamma-Gamma to customer summaries',
  );
  clv
    .command('fit')
    .description('Fit a buy-till-you-die model by maximum likelihood to a per-customer summary CSV')
    .addOption(
      new Option('--model <model>', 'bgnbd (purchases), pareto-nbd (purchases) or gamma-gamma (spend per purchase)')
        .choices(clvModels)
        .makeOptionMandatory(),
    )
    .requiredOption('--summary <file>', 'CSV with one row per customer (see below)')
    .option('--json', 'print one line of JSON: model, params, logLikelihood, customers, seconds')
    .addHelpText(
      'after',
      `
The summary CSV has a header row; columns may come in any order, names are case-insensitive:
  x or frequency              repeat purchases in the calibration period (whole number)
  t_x or recency              time of the last repeat purchase since the first purchase (0 when x = 0)
  T                           time from the first purchase to the end of the calibration period
  zbar or monetary_value      mean spend per repeat purchase (gamma-gamma only; needed when x > 0)
Other columns (an ID) are ignored. t_x and T must share one time unit (weeks, days…); the
fitted rates are per that unit.

Parameters: bgnbd r, alpha, a, b; pareto-nbd r, alpha, s, beta; gamma-gamma p, q, gamma.
"customers" is the number of customers the model was fitted on (gamma-gamma: those with x > 0);
"seconds" is the time to read, check and fit.

Examples:
  patron clv fit --model bgnbd --summary cdnow_customers_summary.csv
  patron clv fit --model gamma-gamma --summary cdnow_customers_summary_with_transactions.csv --json`,
    )
    .action(async (options: { model: ClvModel; summary: string; json?: boolean }) => {
      const started = performance.now();
      const rows = await readSummaryRows(options.summary, options.model);
      const fit = fitModel(options.model, rows);
      const outcome: FitOutcome = {
        model: options.model,
        fit,
        rowsRead: rows.length,
        seconds: (performance.now() - started) / 1000,
      };
      if (options.json) {
        const json = {
          model: outcome.model,
          params: fit.params,
          logLikelihood: fit.logLikelihood,
          customers: fit.customers,
          seconds: Number(outcome.seconds.toFixed(3)),
        };
        write(`${JSON.stringify(json)}\n`);
      } else {
        write(formatTable(outcome));
      }
    });
  return clv;
}
