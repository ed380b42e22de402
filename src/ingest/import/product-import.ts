import { sql } from 'kysely';
import { z } from 'zod';
import { upsertProducts, type ProductInput } from '../../orders/index.ts';
import { readAmount, requiredTextCell, textCell } from './cell-values.ts';
import { arrayBatch, emptyOutcome, extraKey, fail, freeFormObject, rowSchema, type KindImporter, type RowContext } from './import-kind.ts';

const currencyPattern = /^[A-Z]{3}$/;

function productSchema(ctx: RowContext, present: ReadonlySet<string> | undefined): z.ZodType<ProductInput, unknown> {
  const shape = {
    sku: requiredTextCell('the SKU is empty', 200),
    name: requiredTextCell('the product name is empty', 500),
    category: textCell(200),
    price: z.unknown().optional(),
    currency: textCell(10),
    [extraKey]: z.record(z.string(), z.unknown()).optional(),
  };
  return rowSchema(shape, present, (r, issues): ProductInput => {
    const currency = r.currency?.toUpperCase() ?? ctx.currency;
    if (!currencyPattern.test(currency)) return fail(issues, 'currency', `"${r.currency}" is not a three-letter currency code such as CNY`);
    const price = readAmount(r.price, currency);
    if (typeof price === 'string') return fail(issues, 'price', price);
    if (price !== undefined && price < 0) return fail(issues, 'price', 'a price must not be negative');
    const attributes = freeFormObject(r[extraKey]);
    return { sku: r.sku, name: r.name, category: r.category, priceMinor: price, currency, ...(attributes ? { attributes } : {}) };
  });
}

/** Products: upserted on their SKU; a row equal to what is stored writes nothing. */
export function productImporter(ctx: RowContext, present?: ReadonlySet<string>): KindImporter<ProductInput> {
  return {
    schema: productSchema(ctx, present),
    createBatch: (workspace) =>
      arrayBatch<ProductInput>((rows) => async (trx) => {
        const outcome = emptyOutcome();
        const skus = [...new Set(rows.map(({ row }) => row.sku))];
        const known = await sql<{ sku: string }>`SELECT sku FROM products WHERE workspace_id = ${workspace.id} AND sku = ANY(${skus}::text[])`.execute(trx);
        const { written } = await upsertProducts(trx, workspace, rows.map(({ row }) => row));
        const fresh = skus.length - known.rows.length;
        outcome.inserted = fresh;
        outcome.updated = written - fresh;
        outcome.unchanged = rows.length - written;
        return outcome;
      }),
  };
}
