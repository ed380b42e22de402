import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { verifyWebhookSignature } from '../../src/channels/index.ts';

/** A delivery the receiver accepted: its idempotency key, parsed body and whether the signature verified. */
export interface ReceivedWebhook {
  readonly idempotencyKey: string;
  readonly body: Record<string, unknown>;
}

/**
 * A webhook receiver on loopback that plays a well-behaved consumer: it refuses (401) a bad signature,
 * acts once per Idempotency-Key (a repeat is answered 200 without acting again), and can be told to fail.
 */
export interface WebhookReceiver {
  readonly url: string;
  /** Accepted deliveries, one per idempotency key. */
  readonly received: ReceivedWebhook[];
  /** How many requests arrived, repeats included. */
  requests: number;
  /** Requests that carried a batch of messages. */
  readonly batches: number;
  /** Requests refused for their signature. */
  rejected: number;
  /** Answer the next `n` requests with this status instead of accepting them. */
  failNext(n: number, status: number): void;
  /** Answer each request after this many milliseconds (a slow consumer, so a kill lands mid-delivery). */
  delay(ms: number): void;
  /** How many valid requests arrived per idempotency key (redeliveries included). */
  readonly attempts: ReadonlyMap<string, number>;
  close(): Promise<void>;
}

export async function startWebhookReceiver(secret: string, nowSeconds: () => number = () => Math.floor(Date.now() / 1000)): Promise<WebhookReceiver> {
  const seen = new Set<string>();
  let failures = 0;
  let delayMs = 0;
  const attempts = new Map<string, number>();
  let failStatus = 500;
  const state = { received: [] as ReceivedWebhook[], requests: 0, rejected: 0, batches: 0 };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => setTimeout(respond, delayMs));
    const respond = () => {
      state.requests += 1;
      if (failures > 0) {
        failures -= 1;
        res.writeHead(failStatus).end();
        return;
      }
      const body = Buffer.concat(chunks).toString('utf8');
      const ok = verifyWebhookSignature(
        secret,
        { body, signature: req.headers['x-patron-signature'] as string | undefined, timestamp: req.headers['x-patron-timestamp'] as string | undefined },
        nowSeconds(),
      );
      if (!ok) {
        state.rejected += 1;
        res.writeHead(401).end();
        return;
      }
      // A batch carries each message with its own key; a single message's key is the header.
      const parsed = JSON.parse(body) as Record<string, unknown>;
      const items = Array.isArray(parsed.messages)
        ? (parsed.messages as Record<string, unknown>[]).map((m) => ({ key: String(m.idempotencyKey), body: m }))
        : [{ key: String(req.headers['idempotency-key'] ?? ''), body: parsed }];
      if (Array.isArray(parsed.messages)) state.batches += 1;
      for (const item of items) {
        attempts.set(item.key, (attempts.get(item.key) ?? 0) + 1);
        if (!seen.has(item.key)) {
          seen.add(item.key);
          state.received.push({ idempotencyKey: item.key, body: item.body });
        }
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
    };
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hooks/patron`,
    get received() {
      return state.received;
    },
    get requests() {
      return state.requests;
    },
    set requests(n: number) {
      state.requests = n;
    },
    get batches() {
      return state.batches;
    },
    get rejected() {
      return state.rejected;
    },
    set rejected(n: number) {
      state.rejected = n;
    },
    delay(ms) {
      delayMs = ms;
    },
    attempts,
    failNext(n, status) {
      failures = n;
      failStatus = status;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
