import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CommanderError } from 'commander';
import { describe, expect, it } from 'vitest';
import { cdnowFile } from '../analytics/clv/cdnow-fixture.ts';
import { PatronError } from '../lib/errors.ts';
import { clvCommand } from './clv-command.ts';

// The `patron clv` command run in memory, as main.ts mounts it.

const summaryFile = fileURLToPath(cdnowFile('cdnow_customers_summary.csv'));
const withSpendFile = fileURLToPath(cdnowFile('cdnow_customers_summary_with_transactions.csv'));

async function run(...args: string[]): Promise<string> {
  let output = '';
  const command = clvCommand((text) => {
    output += text;
  });
  // Commander errors (unknown option, bad choice) throw instead of exiting the test process.
  for (const c of [command, ...command.commands]) {
    c.exitOverride().configureOutput({ writeOut: (t) => (output += t), writeErr: (t) => (output += t) });
  }
  await command.parseAsync(args, { from: 'user' });
  return output;
}

function csvFile(content: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'patron-clv-')), 'summary.csv');
  writeFileSync(file, content);
  return file;
}

async function expectRejection(promise: Promise<unknown>, code: string, pattern: RegExp) {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(PatronError);
  expect((error as PatronError).code).toBe(code);
  expect((error as PatronError).message).toMatch(pattern);
  return error as PatronError;
}

describe('patron clv fit', () => {
  it('prints the BG/NBD fit as exactly the documented JSON', async () => {
    const output = await run('fit', '--model', 'bgnbd', '--summary', summaryFile, '--json');
    expect(output.endsWith('\n')).toBe(true);
    const json = JSON.parse(output) as Record<string, unknown>;
    expect(Object.keys(json)).toEqual(['model', 'params', 'logLikelihood', 'customers', 'seconds']);
    expect(json['model']).toBe('bgnbd');
    const params = json['params'] as Record<string, number>;
    expect(Object.keys(params)).toEqual(['r', 'alpha', 'a', 'b']);
    expect(Object.values(params).map((v) => v.toFixed(3))).toEqual(['0.243', '4.414', '0.793', '2.426']);
    expect((json['logLikelihood'] as number).toFixed(1)).toBe('-9582.4');
    expect(json['customers']).toBe(2357);
    expect(typeof json['seconds']).toBe('number');
  });

  it('fits Pareto/NBD and Gamma-Gamma with their own parameter names', async () => {
    const pareto = JSON.parse(await run('fit', '--model', 'pareto-nbd', '--summary', summaryFile, '--json'));
    expect(Object.keys(pareto.params)).toEqual(['r', 'alpha', 's', 'beta']);
    expect(pareto.params.alpha.toFixed(3)).toBe('10.578');
    const spend = JSON.parse(await run('fit', '--model', 'gamma-gamma', '--summary', withSpendFile, '--json'));
    expect(spend.model).toBe('gamma-gamma');
    expect(Object.keys(spend.params)).toEqual(['p', 'q', 'gamma']);
    expect(spend.params.p.toFixed(2)).toBe('6.25');
    expect(spend.customers).toBe(946);
  });

  it('prints a readable table without --json', async () => {
    const output = await run('fit', '--model', 'bgnbd', '--summary', withSpendFile);
    expect(output).toMatch(/^BG\/NBD fitted on 2,357 customers/);
    expect(output).toMatch(/\n {2}r +0\.2426\n/);
    expect(output).toMatch(/\n {2}alpha +4\.4135\n/);
    expect(output).toMatch(/log-likelihood +-9582\.4256/);
    expect(output).toMatch(/converged +yes/);
  });

  it('accepts lifetimes’ frequency, recency, T, monetary_value headers', async () => {
    const file = csvFile(
      'frequency,recency,T,monetary_value\n2,30.43,38.86,22.35\n1,1.71,38.86,11.77\n0,0,38.86,0\n3,10,20,5.5\n',
    );
    const spend = JSON.parse(await run('fit', '--model', 'gamma-gamma', '--summary', file, '--json'));
    expect(spend.customers).toBe(3);
    const purchases = JSON.parse(await run('fit', '--model', 'bgnbd', '--summary', file, '--json'));
    expect(purchases.customers).toBe(4);
  });

  it('names the row and column of a bad value', async () => {
    const notANumber = csvFile('ID,frequency,recency,T\n1,2,30.43,38.86\n2,1,abc,38.86\n');
    const error = await expectRejection(
      run('fit', '--model', 'bgnbd', '--summary', notANumber),
      'invalid_input',
      /^Row 2, column recency: must be a number \(got "abc"\)/,
    );
    expect(error.details).toMatchObject({ row: 2, column: 'recency', value: 'abc' });
    await expectRejection(
      run('fit', '--model', 'bgnbd', '--summary', csvFile('x,t_x,T\n1,5,4\n')),
      'invalid_input',
      /^Row 1, column t_x: must not exceed T/,
    );
    await expectRejection(
      run('fit', '--model', 'pareto-nbd', '--summary', csvFile('x,t_x,T\n1.5,2,4\n')),
      'invalid_input',
      /^Row 1, column x: must be a whole number/,
    );
    await expectRejection(
      run('fit', '--model', 'gamma-gamma', '--summary', csvFile('x,zbar\n0,\n2,-3\n')),
      'invalid_input',
      /^Row 2, column zbar: must be a positive mean spend/,
    );
  });

  it('says which columns are missing, and refuses empty and absent files', async () => {
    await expectRejection(
      run('fit', '--model', 'gamma-gamma', '--summary', summaryFile),
      'invalid_input',
      /no column for zbar or monetary_value/,
    );
    await expectRejection(run('fit', '--model', 'bgnbd', '--summary', csvFile('')), 'invalid_input', /is empty/);
    await expectRejection(
      run('fit', '--model', 'bgnbd', '--summary', csvFile('x,t_x,T\n')),
      'invalid_input',
      /no customers/,
    );
    await expectRejection(
      run('fit', '--model', 'bgnbd', '--summary', '/nonexistent/summary.csv'),
      'not_found',
      /does not exist/,
    );
  });

  it('rejects an unknown model', async () => {
    await expect(run('fit', '--model', 'weibull', '--summary', summaryFile)).rejects.toBeInstanceOf(CommanderError);
  });

  it('documents the models, the file format and the JSON in --help', async () => {
    let help = '';
    const command = clvCommand();
    command.commands[0]!.exitOverride().configureOutput({ writeOut: (text) => (help += text) });
    await expect(command.parseAsync(['fit', '--help'], { from: 'user' })).rejects.toMatchObject({
      code: 'commander.helpDisplayed',
    });
    expect(help).toMatch(/--model <model>/);
    expect(help).toMatch(/"bgnbd", "pareto-nbd",\s+"gamma-gamma"/);
    expect(help).toMatch(/x or frequency/);
    expect(help).toMatch(/gamma-gamma p, q, gamma/);
  });
});
