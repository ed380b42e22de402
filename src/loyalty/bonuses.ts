import type { Transaction } from 'kysely';
import type { Workspace } from '../access/index.ts';
import type { Database, JsonObject } from '../db/index.ts';
import { postCredit, type LedgerContext } from './ledger.ts';
import { findActiveProgram } from './program.ts';
import type { ProgramRules } from './schema.ts';
import { evaluateTierUpgrades } from './tiers.ts';

/** A tracked event as the bonus rules see it. */
export interface BonusEvent {
  readonly messageId: string;
  readonly customerId: number;
  readonly name: string;
  readonly properties: JsonObject;
  readonly occurredAt: Date;
}

/** The event whose bonus rules are birthday gifts: tracked, or made by the daily job from the profile's birthday. */
export const birthdayEvent = 'Birthday';

// The calendar year of an instant in the workspace's time zone.
const localYear = (at: Date, timezone: string) => new Intl.DateTimeFormat('en-US', { timeZone: timezone, year: 'numeric' }).format(at);

/** A bonus's key: once per event, except birthday gifts, which are once per customer and local year however they arrive. */
const bonusKey = (ctx: LedgerContext, event: BonusEvent, ruleId: string) =>
  event.name === birthdayEvent ? `birthday:${event.customerId}:${localYear(event.occurredAt, ctx.timezone)}:${ruleId}` : `event:${event.messageId}:${ruleId}`;

const matches = (where: Readonly<Record<string, string | number | boolean>>, properties: JsonObject) => Object.entries(where).every(([k, v]) => properties[k] === v);

/** The bonus rules an event earns, in rule order. */
export function matchingBonuses(rules: ProgramRules, event: Pick<BonusEvent, 'name' | 'properties'>): ProgramRules['bonuses'] {
  return rules.bonuses.filter((b) => b.event === event.name && matches(b.where, event.properties));
}

/**
 * Credits action bonuses for tracked events in the caller's transaction: each matching rule once per
 * event (key event:<messageId>:<rule>; birthday:<customer>:<local year>:<rule> for `Birthday`), at most
 * maxPerCustomer times per customer. Returns the points credited.
 */
export async function awardEventBonuses(trx: Transaction<Database>, workspace: Workspace, events: readonly BonusEvent[], now: Date): Promise<number> {
  const program = events.length === 0 ? undefined : await findActiveProgram(trx, workspace.id);
  if (!program) return 0;
  return awardBonuses(trx, { workspaceId: workspace.id, timezone: workspace.timezone, program, now }, events);
}

/** awardEventBonuses for a known program. */
export async function awardBonuses(trx: Transaction<Database>, ctx: LedgerContext, events: readonly BonusEvent[]): Promise<number> {
  const program = ctx.program;
  if (events.length === 0 || program.rules.bonuses.length === 0) return 0;
  let credited = 0;
  const customers = new Set<number>();
  // In customer order, so concurrent calls lock accounts in one order.
  const sorted = [...events].sort((a, b) => a.customerId - b.customerId);
  for (const event of sorted) {
    for (const rule of matchingBonuses(program.rules, event)) {
      const result = await postCredit(trx, ctx, {
        customerId: event.customerId,
        idempotencyKey: bonusKey(ctx, event, rule.id),
        requestHash: '',
        kind: 'bonus',
        points: rule.points,
        rule: rule.id,
        maxPerCustomer: rule.maxPerCustomer,
        reason: `${event.name} bonus`,
        actor: 'system',
        details: { event: event.name, messageId: event.messageId },
        occurredAt: event.occurredAt,
      });
      if (result && !result.replayed) {
        credited += rule.points;
        customers.add(event.customerId);
      }
    }
  }
  if (program.rules.tiers.metric === 'points') await evaluateTierUpgrades(trx, ctx, [...customers]);
  return credited;
}
