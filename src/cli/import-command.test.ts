import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { repositoryRoot, runPatron } from '../../test/cli.ts';

const fixture = (name: string) => join(repositoryRoot, 'src/ingest/import/fixtures', name);
const dir = mkdtempSync(join(tmpdir(), 'patron-cli-import-'));
const patron = (...args: string[]) => runPatron(join(dir, 'data'), args);

describe('patron import', () => {
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('lists the fields of every kind in --help', async () => {
    const help = await patron('import', '--help');
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/Usage: patron import \[options\] <kind> <file>/);
    expect(help.stdout).toMatch(/orders:\n\s+order_number\s+order or invoice number/);
    expect(help.stdout).toMatch(/customer\.external_id/);
    expect(help.stdout).toMatch(/attributes\.KEY/);
  });

  it('imports the good rows, writes the rejects file, prints a summary and exits 2; --strict exits 1 and writes nothing', async () => {
    const rejects = join(dir, 'mixed.rejects.csv');
    const args = ['import', 'orders', fixture('orders-mixed.csv'), '--workspace', 'shop', '--currency', 'usd', '--rejects', rejects];
    const strict = await patron(...args, '--map', 'order_no=order_number', '--map', 'created=ordered_at', '--map', 'customer_email=customer.email', '--map', 'qty=quantity', '--map', 'price=unit_price', '--strict');
    expect(strict.stderr).toMatch(/Created workspace shop \(CN, USD, Asia\/Shanghai\)/);
    expect(strict.stdout).toMatch(/^Strict: 5 rejected \(see .*mixed\.rejects\.csv\), so the file was rejected and nothing was written/);
    expect(strict.status).toBe(1);

    const run = await patron(...args, '--map', 'order_no=order_number', '--map', 'created=ordered_at', '--map', 'customer_email=customer.email', '--map', 'qty=quantity', '--map', 'price=unit_price');
    expect(run.stdout).toMatch(/^7 rows read; orders: 2 inserted, 0 updated, 0 unchanged; 5 rejected \(see .*\); [\d.]+ s, [\d,]+ rows\/s\n$/);
    expect(run.stderr).toMatch(/Columns: order_no → order_number, created → ordered_at, customer_email → customer\.email, qty → quantity, price → unit_price, sku → sku/);
    expect(run.status).toBe(2);
    expect(readFileSync(rejects, 'utf8').split('\n')[1]).toMatch(/^3,created,/);

    const again = await patron(...args, '--map-file', fixture('orders-mixed.mapping.json'));
    expect(again.stdout).toMatch(/^7 rows read; orders: 0 inserted, 0 updated, 2 unchanged; 5 rejected/);
  }, 240_000);

  it('exits 0 when every row goes in, and 1 with a message saying what to do on a bad mapping', async () => {
    const good = await patron(
      'import', 'orders', fixture('orders-lines.csv'), '--workspace', 'shop', '--no-progress',
      '--map', 'order_no=order_number', '--map', 'created=ordered_at', '--map', 'customer_email=customer.email', '--map', 'product=product_name', '--map', 'qty=quantity', '--map', 'price=unit_price',
    );
    expect(good.stdout).toMatch(/^6 rows read; orders: 4 inserted, 0 updated, 0 unchanged, 1 refund applied; 0 rejected; /);
    expect(good.status).toBe(0);

    const bad = await patron('import', 'orders', fixture('orders-lines.csv'), '--map', 'created=order_date');
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/patron: "order_date" \(mapped from column created\) is not a field of orders/);
    expect(existsSync(fixture('orders-lines.csv.rejects.csv'))).toBe(false);
  }, 240_000);
});
