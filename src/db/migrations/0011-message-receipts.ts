import type { Kysely } from 'kysely';
import { runStatements } from '../statements.ts';

// Delivery receipts: when a provider last reported a message's fate (delivered, failed, bounced), and a lookup
// of messages by the id the provider gave them (Aliyun BizId, SMTP Message-ID, WeChat MsgID).
export async function up(db: Kysely<unknown>): Promise<void> {
  await runStatements(
    db,
    `
    ALTER TABLE messages ADD COLUMN reported_at timestamptz;
    CREATE INDEX messages_provider_id ON messages (workspace_id, channel, provider_message_id) WHERE provider_message_id IS NOT NULL;
  `,
  );
}
