import { randomInt } from 'node:crypto';
import { sql, type Kysely, type Transaction } from 'kysely';
import type { Workspace } from '../access/index.ts';
import { signatureHeader, signWebhook, timestampHeader, type MessageRequest } from '../channels/index.ts';
import { addTagsToCustomers, applyProfilePatch } from '../customers/index.ts';
import type { Database, JsonObject } from '../db/index.ts';
import { assignArm } from '../experiments/index.ts';
import type { Clock } from '../lib/clock.ts';
import { assertNever, PatronError } from '../lib/errors.ts';
import { issueCouponsInTransaction, postPoints } from '../loyalty/index.ts';
import { matchingCustomers } from '../segments/index.ts';
import type { JourneyGraph, JourneyNode } from './graph.ts';
import { durationMs, nextTimeOfDay } from './time.ts';

type Trx = Transaction<Database>;

/** The entry a step runs for; context carries the trigger's data, split arms and coupon codes (Liquid variables). */
export interface StepEntry {
  readonly id: number;
  readonly workspaceId: number;
  readonly customerId: number;
  readonly journeyId: number;
  readonly versionId: number;
  readonly context: JsonObject;
}

/** What a step decided: go on now, go on later, wait for an event, call outside after the commit, finish. */
export type StepResult =
  | { readonly kind: 'next'; readonly next: string; readonly context?: JsonObject }
  | { readonly kind: 'later'; readonly next: string; readonly dueAt: Date; readonly context?: JsonObject }
  | { readonly kind: 'wait_event'; readonly event: string; readonly timeoutAt: Date }
  | { readonly kind: 'outside' }
  /** The engine queues the message (batched with other entries' sends) and goes on to `next`, or holds for quiet hours. */
  | { readonly kind: 'send'; readonly request: MessageRequest; readonly next: string }
  | { readonly kind: 'done' }
  | { readonly kind: 'fail'; readonly error: string };

/** The idempotency key of a step's side effect: (journey version, customer, step, entry), as the channels contract asks. */
export function stepKey(entry: StepEntry, nodeId: string): string {
  return `journey:${entry.versionId}:${entry.customerId}:${nodeId}:${entry.id}`;
}

async function customerTimeZone(trx: Trx, workspace: Workspace, graph: JourneyGraph, customerId: number): Promise<string> {
  if (graph.timezone === 'workspace') return workspace.timezone;
  const row = await trx.selectFrom('customers').select('timezone').where('workspace_id', '=', workspace.id).where('id', '=', customerId).executeTakeFirst();
  return row?.timezone ?? workspace.timezone;
}

/**
 * Runs one step inside the claiming transaction. Everything written here (messages through the channels
 * outbox, profile changes, tags, tasks, coupons) commits with the entry's new position or not at all.
 */
export async function runInternalStep(trx: Trx, workspace: Workspace, graph: JourneyGraph, entry: StepEntry, nodeId: string, node: JourneyNode, now: Date): Promise<StepResult> {
  switch (node.kind) {
    case 'wait': {
      let due = new Date(now.getTime() + (node.duration ? durationMs(node.duration) : 0));
      if (node.untilTimeOfDay) due = nextTimeOfDay(due, node.untilTimeOfDay, await customerTimeZone(trx, workspace, graph, entry.customerId));
      return { kind: 'later', next: node.next, dueAt: due };
    }
    case 'wait_for_event':
      return { kind: 'wait_event', event: node.event, timeoutAt: new Date(now.getTime() + durationMs(node.timeout)) };
    case 'branch': {
      const matches = await matchingCustomers(trx, workspace, node.rule, [entry.customerId], now);
      return { kind: 'next', next: matches.has(entry.customerId) ? node.yes : node.no };
    }
    case 'split': {
      // Hashing (journey, step, customer) keeps a customer in the same arm on every entry and every version.
      const arm = assignArm(`journey:${entry.journeyId}:${nodeId}:${entry.customerId}`, node.branches);
      const splits = { ...((entry.context.splits as JsonObject | undefined) ?? {}), [nodeId]: arm };
      return { kind: 'next', next: node.branches.find((b) => b.name === arm)!.next, context: { ...entry.context, splits } };
    }
    case 'send': {
      const splits = Object.values((entry.context.splits as Record<string, string> | undefined) ?? {});
      const request: MessageRequest = {
        customerId: entry.customerId,
        channel: node.channel,
        purpose: node.purpose,
        content: node.content ?? { templateId: node.templateId! },
        variables: entry.context,
        idempotencyKey: stepKey(entry, nodeId),
        source: { kind: 'journey', id: entry.journeyId, stepId: nodeId, ...(splits.length > 0 ? { variant: splits.join('/') } : {}) },
      };
      return { kind: 'send', request, next: node.next };
    }
    case 'update': {
      if (node.attributes) await applyProfilePatch(trx, workspace.id, entry.customerId, { attributes: node.attributes });
      if (node.addTags?.length) await addTagsToCustomers(trx, workspace.id, node.addTags.map((tag) => ({ customerId: entry.customerId, tag })));
      if (node.removeTags?.length) {
        await sql`DELETE FROM customer_tags ct USING tags t
                  WHERE ct.workspace_id = ${workspace.id} AND ct.customer_id = ${entry.customerId} AND t.workspace_id = ct.workspace_id AND t.id = ct.tag_id
                    AND t.name = ANY(${node.removeTags}::text[])`.execute(trx);
      }
      return { kind: 'next', next: node.next };
    }
    case 'grant_coupon': {
      const result = await issueCouponsInTransaction(trx, workspace.id, node.couponTemplateId, [entry.customerId], {
        source: `journey:${entry.journeyId}`,
        issueKey: stepKey(entry, nodeId),
        clock: { now: () => now },
        // Coupon codes must not be guessable, so they come from the system's secure random source.
        random: () => randomInt(0, 2 ** 47) / 2 ** 47,
      });
      const issued = result.issued[0];
      const coupons = { ...((entry.context.coupons as JsonObject | undefined) ?? {}), ...(issued ? { [nodeId]: issued.code } : {}) };
      return { kind: 'next', next: node.next, context: { ...entry.context, coupon: issued?.code ?? entry.context.coupon ?? null, coupons } };
    }
    case 'task':
      await trx
        .insertInto('journey_tasks')
        .values({
          workspace_id: workspace.id,
          customer_id: entry.customerId,
          journey_id: entry.journeyId,
          entry_id: entry.id,
          node_id: nodeId,
          title: node.title,
          assignee: node.assignee,
          due_at: new Date(now.getTime() + node.dueInDays * 86_400_000),
          created_at: now,
        })
        .onConflict((oc) => oc.columns(['workspace_id', 'customer_id', 'entry_id', 'node_id']).doNothing())
        .execute();
      return { kind: 'next', next: node.next };
    case 'webhook':
    case 'grant_points':
      return { kind: 'outside' };
    case 'exit':
      return { kind: 'done' };
    default:
      return assertNever(node, 'journey node');
  }
}

/**
 * Runs a step that calls outside Patron, after the claiming transaction committed. The idempotency key is
 * the same on every retry, so a crash between the call and recording it cannot make the peer act twice.
 */
export async function runExternalStep(
  db: Kysely<Database>,
  clock: Clock,
  workspace: Workspace,
  entry: StepEntry,
  nodeId: string,
  node: JourneyNode,
): Promise<{ ok: true; next: string; context?: JsonObject } | { ok: false; error: string }> {
  const key = stepKey(entry, nodeId);
  switch (node.kind) {
    case 'webhook': {
      const body = JSON.stringify({ journeyId: entry.journeyId, versionId: entry.versionId, entryId: entry.id, step: nodeId, customerId: entry.customerId, data: node.body ?? {} });
      const timestamp = Math.floor(clock.now().getTime() / 1000);
      try {
        const response = await fetch(node.url, {
          method: 'POST',
          // Signed as the channels module signs its webhooks (HMAC-SHA256 over "<timestamp>.<body>").
          headers: { 'content-type': 'application/json', 'idempotency-key': key, [timestampHeader]: String(timestamp), [signatureHeader]: signWebhook(node.secret, timestamp, body) },
          body,
          signal: AbortSignal.timeout(10_000),
        });
        await response.body?.cancel();
        if (!response.ok) return { ok: false, error: `webhook ${node.url} answered ${response.status}` };
        return { ok: true, next: node.next };
      } catch (error) {
        return { ok: false, error: `webhook ${node.url} failed: ${error instanceof Error ? error.message : String(error)}` };
      }
    }
    case 'grant_points':
      try {
        await postPoints(db, workspace, entry.customerId, { type: 'adjust', idempotencyKey: key, points: node.points, reason: node.reason, actor: `journey:${entry.journeyId}` }, clock);
        return { ok: true, next: node.next };
      } catch (error) {
        if (error instanceof PatronError) return { ok: false, error: `loyalty refused the points: ${error.message}` };
        throw error;
      }
    case 'wait':
    case 'wait_for_event':
    case 'branch':
    case 'split':
    case 'send':
    case 'update':
    case 'grant_coupon':
    case 'task':
    case 'exit':
      throw new Error(`journey node kind ${node.kind} runs inside the claiming transaction`);
    default:
      return assertNever(node, 'journey node');
  }
}
