import { z } from 'zod';
import { identityTypes, type Workspace } from '../../access/index.ts';
import { sql, type Transaction } from 'kysely';
import {
  addTagsToCustomers,
  applyProfilePatches,
  consentChannels,
  findIdentityOwners,
  identityKey,
  recordConsents,
  resolveCustomers,
  tagNameSchema,
  type Identity,
  type ProfilePatch,
} from '../../customers/index.ts';
import {
  birthdayCell,
  dateCell,
  genderCell,
  identityCell,
  listCell,
  textCell,
} from './cell-values.ts';
import type { ConsentChannel, ConsentStatus, Database } from '../../db/index.ts';
import { checkTimezone } from './parse-date.ts';
import { arrayBatch, emptyOutcome, extraKey, fail, freeFormObject, identitiesOf, identityKeys, rowSchema, type KindImporter, type RowContext } from './import-kind.ts';
import type { SourceRow } from './read-rows.ts';

/** A valid customers row: who (normalized identities), profile fields and tags. */
export interface CustomerRow {
  readonly identities: Identity[];
  readonly profile: ProfilePatch;
  readonly tags: string[];
  /** Marketing consent per channel from the `<channel>_consent` columns, with when and where it was given. */
  readonly consents: { channel: ConsentChannel; status: ConsentStatus }[];
  readonly consentAt: Date | undefined;
  readonly consentSource: string;
}

const consentAnswers: Readonly<Record<string, ConsentStatus>> = {
  yes: 'opted_in',
  y: 'opted_in',
  true: 'opted_in',
  '1': 'opted_in',
  opted_in: 'opted_in',
  是: 'opted_in',
  no: 'opted_out',
  n: 'opted_out',
  false: 'opted_out',
  '0': 'opted_out',
  opted_out: 'opted_out',
  否: 'opted_out',
};
const consentCell = () =>
  textCell(20)
    .refine((v) => v === undefined || consentAnswers[v.toLowerCase()] !== undefined, 'is not a consent answer (use yes/no, true/false, 1/0, opted_in/opted_out, 是/否)')
    .transform((v) => (v === undefined ? undefined : consentAnswers[v.toLowerCase()]));

const extraSchema = z.record(z.string(), z.unknown()).optional();

const timezoneCell = () =>
  textCell(64).refine((tz) => {
    if (tz === undefined) return true;
    try {
      checkTimezone(tz);
      return true;
    } catch {
      return false;
    }
  }, 'is not an IANA time zone such as Asia/Shanghai');

function customerSchema(ctx: RowContext, present: ReadonlySet<string> | undefined): z.ZodType<CustomerRow, unknown> {
  const shape = {
    ...(Object.fromEntries(identityTypes.map((type) => [type, identityCell(type, ctx.country)])) as Record<(typeof identityTypes)[number], ReturnType<typeof identityCell>>),
    name: textCell(200),
    gender: genderCell(),
    birthday: birthdayCell(ctx.parseDate),
    city: textCell(100),
    province: textCell(100),
    country: textCell(100),
    timezone: timezoneCell(),
    signed_up_at: dateCell(ctx.parseDate),
    acquisition_channel: textCell(100),
    tags: listCell(ctx.tagSeparator).refine((tags) => (tags ?? []).every((t) => tagNameSchema.safeParse(t).success), 'a tag is longer than 100 characters'),
    ...(Object.fromEntries(consentChannels.map((channel) => [`${channel}_consent`, consentCell()])) as Record<`${ConsentChannel}_consent`, ReturnType<typeof consentCell>>),
    consent_at: dateCell(ctx.parseDate),
    consent_source: textCell(200),
    [extraKey]: extraSchema,
  };
  return rowSchema(shape, present, (r, issues): CustomerRow => {
    const ids = identitiesOf(r, identityKeys.bare);
    if (ids.length === 0) return fail(issues, '', `the row has no identifier: give one of ${identityTypes.join(', ')}`);
    const attributes = freeFormObject(r[extraKey]);
    const profile: ProfilePatch = {
      name: r.name,
      gender: r.gender,
      birthday: r.birthday,
      city: r.city,
      province: r.province,
      country: r.country,
      timezone: r.timezone,
      signedUpAt: r.signed_up_at?.at,
      acquisitionChannel: r.acquisition_channel,
      ...(attributes ? { attributes } : {}),
    };
    const consents = consentChannels.flatMap((channel) => {
      const status = r[`${channel}_consent`];
      return status ? [{ channel, status }] : [];
    });
    return { identities: ids, profile, tags: r.tags ?? [], consents, consentAt: r.consent_at?.at, consentSource: r.consent_source ?? 'import' };
  });
}

/** Customers: upserted on their identities (one profile per person, linked identities merged), profile fields and tags applied. */
export function customerImporter(ctx: RowContext, present?: ReadonlySet<string>): KindImporter<CustomerRow> {
  return {
    schema: customerSchema(ctx, present),
    createBatch: (workspace) => arrayBatch<CustomerRow>((rows) => async (trx) => writeCustomers(trx, workspace, rows)),
  };
}

async function writeCustomers(trx: Transaction<Database>, workspace: Workspace, rows: { row: CustomerRow; source: SourceRow }[]) {
  const outcome = emptyOutcome();
  const ws = workspace.id;
  const keys = new Map<string, Identity>();
  for (const { row } of rows) for (const i of row.identities) keys.set(identityKey(i), i);
  const before = await existingIdentities(trx, ws, [...keys.values()]);
  const ids = await resolveCustomers(trx, workspace, rows.map(({ row }) => ({ identities: row.identities })), 'import');
  const changed = new Set(await applyProfilePatches(trx, ws, rows.map(({ row }, i) => ({ customerId: ids[i]!, patch: row.profile }))));
  const tagged = await addTagsToCustomers(trx, ws, rows.flatMap(({ row }, i) => row.tags.map((tag) => ({ customerId: ids[i]!, tag }))));
  for (const id of tagged) changed.add(id);
  if (rows.some(({ row }) => row.consents.length > 0)) {
    // Consent without its own time is dated by the import (the database's clock, as for every row it writes).
    const now = (await sql<{ now: Date }>`SELECT now() AS now`.execute(trx)).rows[0]!.now;
    await recordConsents(
      trx,
      ws,
      rows.flatMap(({ row }, i) => row.consents.map((c) => ({ customerId: ids[i]!, channel: c.channel, purpose: 'marketing' as const, status: c.status, source: row.consentSource, recordedAt: row.consentAt ?? now }))),
    );
  }
  // Identities refused by a limit stay unlinked; only those stored now count as a change.
  const after = await existingIdentities(trx, ws, [...keys.values()].filter((i) => !before.has(identityKey(i))));

  // A profile counts once per batch: created if none of its identities existed, updated if it gained an identity, a field or a tag.
  const counted = new Set<number>();
  for (const [i, { row }] of rows.entries()) {
    const id = ids[i]!;
    if (counted.has(id)) {
      outcome.unchanged++;
      continue;
    }
    counted.add(id);
    const keysOf = row.identities.map(identityKey);
    if (!keysOf.some((k) => before.has(k))) outcome.inserted++;
    else if (keysOf.some((k) => after.has(k)) || changed.has(id)) outcome.updated++;
    else outcome.unchanged++;
  }
  return outcome;
}

// Which of the identities are stored now (whoever owns them).
async function existingIdentities(trx: Transaction<Database>, ws: number, identities: readonly Identity[]): Promise<Set<string>> {
  return new Set((await findIdentityOwners(trx, ws, identities)).keys());
}
