// `npm run bench:import`: `patron import orders` of a generated CSV (one row per order line) into
// PostgreSQL, and a smaller one into PGlite, run as child processes whose memory is sampled, so the
// figures include parsing, validation, folding lines into orders and identity resolution.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { seededRandom } from '../src/analytics/index.ts';

const { values: args } = parseArgs({
  options: {
    rows: { type: 'string', default: '10000000' },
    'pglite-rows': { type: 'string', default: '1000000' },
    customers: { type: 'string', default: '1000000' },
    stores: { type: 'string', default: 'postgres,pglite' },
    'admin-url': { type: 'string', default: process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres' },
  },
});

async function generate(rows: number, customers: number): Promise<string> {
  const path = join(tmpdir(), `patron-bench-orders-${rows}.csv`);
  if (existsSync(path)) return path;
  // Seeded, so every run imports the same file.
  const rand = seededRandom(20261123);
  const out = createWriteStream(`${path}.part`);
  out.write('order_id,customer_id,order_date,sku,quantity,amount\n');
  const start = Date.UTC(2024, 0, 1);
  let written = 0;
  let order = 0;
  let chunk = '';
  while (written < rows) {
    order++;
    const customer = Math.floor(rand() * customers) + 1;
    const at = new Date(start + Math.floor(rand() * 700 * 86400_000)).toISOString();
    const lines = Math.min(rows - written, 1 + Math.floor(rand() * 3));
    for (let l = 0; l < lines; l++) {
      const quantity = 1 + Math.floor(rand() * 3);
      chunk += `O${order},C${customer},${at},SKU${Math.floor(rand() * 2000)},${quantity},${(quantity * (9.9 + Math.floor(rand() * 300))).toFixed(2)}\n`;
      written++;
    }
    if (chunk.length > 1 << 20) {
      if (!out.write(chunk)) await new Promise<void>((r) => out.once('drain', () => r()));
      chunk = '';
    }
  }
  out.write(chunk);
  await new Promise<void>((resolve) => out.end(() => resolve()));
  const { renameSync } = await import('node:fs');
  renameSync(`${path}.part`, path);
  return path;
}

interface Result {
  store: string;
  rows: number;
  seconds: number;
  peakRssMb: number;
  rssSamplesMb: number[];
  summary: string;
}

function rssMb(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
  } catch {
    return 0;
  }
}

function runImport(store: string, file: string, rows: number, env: Record<string, string>): Promise<Result> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn('node', ['bin/patron.js', 'import', 'orders', file, '--workspace', 'bench', '--no-progress', '--map', 'order_id=order_number', '--map', 'customer_id=customer.external_id', '--map', 'order_date=ordered_at'], {
      env: { ...process.env, ...env, PATRON_NO_DEMO: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const samples: number[] = [];
    const timer = setInterval(() => samples.push(rssMb(child.pid!)), 1000);
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    child.on('exit', (code) => {
      clearInterval(timer);
      if (code !== 0) return reject(new Error(`import exited with ${code}: ${output.slice(-2000)}`));
      resolve({
        store,
        rows,
        seconds: (performance.now() - started) / 1000,
        peakRssMb: Math.max(0, ...samples),
        rssSamplesMb: samples,
        summary: output.trim().split('\n').slice(-3).join(' | '),
      });
    });
  });
}

const results: Result[] = [];
const stores = args.stores.split(',');
const customers = Number(args.customers);

if (stores.includes('postgres')) {
  const rows = Number(args.rows);
  const file = await generate(rows, customers);
  console.log(`bench:import — PostgreSQL: ${rows.toLocaleString()} order lines (${(statSync(file).size / 1e6).toFixed(0)} MB, ${customers.toLocaleString()} customers) from ${file}`);
  const name = `patron_bench_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: args['admin-url'] });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  const url = new URL(args['admin-url']);
  url.pathname = `/${name}`;
  try {
    results.push(await runImport('PostgreSQL', file, rows, { DATABASE_URL: url.toString() }));
  } finally {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
  }
}

if (stores.includes('pglite')) {
  const rows = Number(args['pglite-rows']);
  const file = await generate(rows, Math.min(customers, Math.ceil(rows / 10)));
  console.log(`bench:import — PGlite: ${rows.toLocaleString()} order lines (${(statSync(file).size / 1e6).toFixed(0)} MB) from ${file}`);
  const dir = mkdtempSync(join(tmpdir(), 'patron-bench-'));
  try {
    results.push(await runImport('PGlite (embedded)', file, rows, { PATRON_DATA_DIR: dir }));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

console.log('');
for (const r of results) {
  const q = (f: number) => r.rssSamplesMb[Math.floor((r.rssSamplesMb.length - 1) * f)]?.toFixed(0) ?? '—';
  console.log(`${r.store}: ${r.rows.toLocaleString()} rows in ${r.seconds.toFixed(1)} s = ${Math.round(r.rows / r.seconds).toLocaleString()} rows/s; RSS peak ${r.peakRssMb.toFixed(0)} MB (at 10% / 50% / 90% of the run: ${q(0.1)} / ${q(0.5)} / ${q(0.9)} MB)`);
  console.log(`  importer said: ${r.summary}`);
}
console.log('target: ≥ 200,000 rows/s into PostgreSQL with flat memory');
