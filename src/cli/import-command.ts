import { basename } from 'node:path';
import { Argument, Command, InvalidArgumentError, Option } from 'commander';
import cliProgress from 'cli-progress';
import type { Kysely } from 'kysely';
import { createWorkspace, findWorkspaceBySlug, recordAudit, type Workspace } from '../access/index.ts';
import { readConfig } from '../config.ts';
import type { Database } from '../db/index.ts';
import {
  describeFields,
  fileFormats,
  formatImportSummary,
  importFile,
  importKinds,
  parseMapFlags,
  readMappingFile,
  type ColumnMapping,
  type ImportKind,
  type ImportProgress,
} from '../ingest/index.ts';
import { PatronError } from '../lib/errors.ts';
import { openDatabase } from './open-database.ts';
import { runSpendImport } from './spend-import.ts';

interface ImportFlags {
  map: string[];
  mapFile?: string;
  keepExtra?: boolean;
  format?: (typeof fileFormats)[number];
  workspace: string;
  country?: string;
  currency?: string;
  timezone?: string;
  dateFormat?: string;
  strict?: boolean;
  dryRun?: boolean;
  rejects?: string;
  batchSize?: number;
  tagSeparator?: string;
  refundPrefix?: string;
  sheet?: string;
  delimiter?: string;
  encoding?: string;
  progress: boolean;
}

const helpText = `
Columns are mapped onto fields with --map column=field (repeatable) or --map-file mapping.json
({"column": "field", …}); a column named exactly like a field is mapped without a flag. Bad rows go to
FILE.rejects.csv (line, column, reason, then the row); the good rows go in. Importing the same file
again changes nothing. Exit status: 0 all rows imported, 2 some rows rejected, 1 failed or --strict refused.

Fields:
${importKinds.map((kind) => `${kind}:\n${describeFields(kind)}`).join('\n\n')}

Examples:
  patron import customers members.xlsx --map 会员号=external_id --map 手机=phone --map 标签=tags --keep-extra
  patron import orders ../shared/datasets/cdnow_master_transactions.csv --workspace cdnow --currency USD \\
      --map customer_id=customer.external_id --map order_date=ordered_at
  patron import orders online_retail.csv --map InvoiceNo=order_number --map InvoiceDate=ordered_at \\
      --map CustomerID=customer.external_id --map StockCode=sku --map Description=product_name \\
      --map Quantity=quantity --map UnitPrice=unit_price --currency GBP --timezone Europe/London --refund-prefix C
  patron import events clicks.jsonl --map user=customer.external_id --map ts=timestamp --keep-extra
  patron import surveys nps-export.csv --map 会员号=customer.external_id --map 评分=score --map 提交时间=answered_at \
      --map 问卷=survey --map 意见=comment

Full reference: docs/import.md`;

const positiveInteger = (value: string): number => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('give a whole number above 0');
  return n;
};

/** Finds the workspace, or creates it with the given (or default) country, currency and time zone. */
async function workspaceFor(db: Kysely<Database>, flags: ImportFlags): Promise<Workspace> {
  const found = await findWorkspaceBySlug(db, flags.workspace);
  if (found) return found;
  try {
    const created = await createWorkspace(db, {
      slug: flags.workspace,
      name: flags.workspace,
      defaultCountry: flags.country?.toUpperCase() ?? 'CN',
      currency: flags.currency?.toUpperCase() ?? 'CNY',
      timezone: flags.timezone ?? 'Asia/Shanghai',
    });
    console.error(`Created workspace ${created.slug} (${created.defaultCountry}, ${created.currency}, ${created.timezone})`);
    return created;
  } catch (error) {
    // Created meanwhile by someone else: use it.
    if (error instanceof PatronError && error.code === 'conflict') return (await findWorkspaceBySlug(db, flags.workspace))!;
    throw error;
  }
}

/** Flags win over the mapping file, column by column and field by field. */
function mappingOf(flags: ImportFlags): ColumnMapping[] {
  const fromFlags = parseMapFlags(flags.map);
  const fromFile = flags.mapFile ? readMappingFile(flags.mapFile) : [];
  return [...fromFile.filter((m) => !fromFlags.some((f) => f.source === m.source || f.target === m.target)), ...fromFlags];
}

function progressBar(): { update(p: ImportProgress): void; stop(): void } {
  const bar = new cliProgress.SingleBar(
    {
      format: '{phase} |{bar}| {percentage}% | {rows} rows | {rejected} rejected | ETA {eta_formatted}',
      stream: process.stderr,
      hideCursor: true,
      clearOnComplete: true,
      etaBuffer: 50,
    },
    cliProgress.Presets.shades_classic,
  );
  let phase: string | undefined;
  return {
    update(p) {
      const payload = { phase: p.phase === 'validating' ? 'Validating' : 'Importing ', rows: p.rowsRead.toLocaleString('en-US'), rejected: p.rejected.toLocaleString('en-US') };
      if (p.phase !== phase) {
        if (phase !== undefined) bar.stop();
        phase = p.phase;
        bar.start(Math.max(p.totalBytes, 1), p.bytesRead, payload);
      } else {
        bar.update(p.bytesRead, payload);
      }
    },
    stop: () => bar.stop(),
  };
}

/** `patron import KIND FILE`: stream a file into a workspace in batches, with a rejects file and a summary. */
export function importCommand(): Command {
  return new Command('import')
    .description('Import customers, orders, products, events or survey answers (NPS, CSAT) from a CSV, Excel (.xlsx) or JSON Lines file')
    .addArgument(new Argument('<kind>', 'what the file holds (spend: marketing spend per channel, columns channel, period, amount)').choices([...importKinds, 'spend']))
    .argument('<file>', 'the file to import (.csv, .tsv, .xlsx, .jsonl)')
    .option('--map <column=field>', 'map a file column onto a field (repeatable)', (value: string, all: string[]) => [...all, value], [])
    .option('--map-file <path>', 'JSON file mapping columns to fields, e.g. {"order_date": "ordered_at"}')
    .option('--keep-extra', 'keep unmapped columns as attributes (customers, products) or properties (events, surveys)')
    .addOption(new Option('--format <format>', 'file format (default: from the extension)').choices(fileFormats))
    .option('--workspace <slug>', 'workspace to import into; created when missing', 'demo')
    .option('--country <code>', "country of phone numbers without a country code (default: the workspace's; CN for a new one)")
    .option('--currency <code>', "currency of amounts when the file has no currency column (default: the workspace's; CNY for a new one)")
    .option('--timezone <zone>', "IANA time zone of local dates and times in the file (default: the workspace's; Asia/Shanghai for a new one)")
    .option('--date-format <format>', 'auto (default), iso, excel, epoch, epoch-ms, or a pattern such as D/M/YYYY H:mm or YYYYMMDD')
    .option('--strict', 'reject the whole file if any row is bad; the file is validated before anything is written')
    .option('--dry-run', 'validate and write the rejects file, but write nothing to the database')
    .option('--rejects <path>', 'where to write rejected rows (default: FILE.rejects.csv)')
    .option('--batch-size <rows>', 'rows per transaction (default 5000)', positiveInteger)
    .option('--tag-separator <separator>', 'separator of the tags column (default: any of , ; |)')
    .option('--refund-prefix <prefix>', 'order numbers with this prefix are refunds, e.g. C for UCI Online Retail credit notes')
    .option('--sheet <name>', 'Excel worksheet to read (default: the first)')
    .option('--delimiter <char>', 'CSV field delimiter (default: detected from the header line)')
    .option('--encoding <name>', 'text encoding of CSV and JSON Lines files, e.g. gbk (default utf8)')
    .option('--no-progress', 'no progress bar (it is shown only when stderr is a terminal)')
    .addHelpText('after', helpText)
    .action(async (kind: ImportKind | 'spend', file: string, flags: ImportFlags) => {
      if (kind === 'spend') {
        const spendHandle = await openDatabase(readConfig());
        try {
          await runSpendImport(spendHandle, await workspaceFor(spendHandle.db, flags), file, flags.rejects);
        } finally {
          await spendHandle.close();
        }
        return;
      }
      const mapping = mappingOf(flags);
      const handle = await openDatabase(readConfig());
      try {
        const workspace = await workspaceFor(handle.db, flags);
        const bar = flags.progress && process.stderr.isTTY ? progressBar() : undefined;
        let summary;
        try {
          summary = await importFile(
            handle.db,
            workspace,
            {
              kind,
              file,
              format: flags.format,
              mapping,
              keepExtra: flags.keepExtra ?? false,
              strict: flags.strict ?? false,
              dryRun: flags.dryRun ?? false,
              rejectsPath: flags.rejects,
              batchSize: flags.batchSize,
              dateFormat: flags.dateFormat,
              timezone: flags.timezone,
              currency: flags.currency,
              country: flags.country,
              tagSeparator: flags.tagSeparator,
              refundPrefix: flags.refundPrefix,
              sheet: flags.sheet,
              delimiter: flags.delimiter === '\\t' ? '\t' : flags.delimiter,
              encoding: flags.encoding,
            },
            bar?.update,
          );
        } finally {
          bar?.stop();
        }
        console.error(`Columns: ${summary.mapping.map((m) => `${m.source} → ${m.target}`).join(', ') || 'none mapped'}`);
        console.log(formatImportSummary(summary));
        // The audit log gets the file's name and the counts, never its rows.
        if (summary.result !== 'validated') {
          const counts = { result: summary.result, inserted: summary.inserted, updated: summary.updated, rejected: summary.rejected };
          await recordAudit(handle.db, { workspaceId: workspace.id, at: new Date(), actor: { type: 'cli' }, action: `cli import ${kind}`, details: { file: basename(file), ...counts } });
        }
        process.exitCode = summary.result === 'rejected' || summary.result === 'stopped' ? 1 : summary.rejected > 0 ? 2 : 0;
      } finally {
        await handle.close();
      }
    });
}
