/** Channels: email, SMS, WeChat and webhook delivery behind one contact policy, Liquid templates and the message log. */
import type { Workspace } from '../access/index.ts';
import { inGlobalControlShare } from './policy/control-group.ts';

export { claimLeaseMs, dispatchMessages, maxAttempts, type DispatchOptions } from './dispatch.ts';
export { closeEmailTransports, deliverEmail, messageIdFor, trackHtml } from './email/deliver.ts';
export { linkWorkspace, signLink, verifyLink, type LinkClaim } from './links.ts';
export { recordClick, recordOpen, unsubscribe, type TrackedMessage } from './tracking.ts';
export { listMessages, listMessagesSchema, type MessageLogEntry } from './log.ts';
export { addSuppressions, listSuppressions, removeSuppression, suppressionInputSchema, type Suppression } from './suppressions.ts';
export { quietUntil, isValidTimeZone } from './policy/quiet-hours.ts';
export { capRuleSchema, contactPolicySchema, loadContactPolicy, saveContactPolicy, type CapRule, type ContactPolicy, type ContactPolicyInput } from './policy/settings.ts';
export { loadProviders, providerSchemas, saveProvider, viewProvider, type ProviderView } from './providers.ts';
export { queueMessage, queueMessages } from './queue.ts';
export { aliyunSignature, aliyunEncode } from './sms/aliyun.ts';
export {
  createTemplate,
  deleteTemplate,
  getTemplate,
  listTemplates,
  messageContentSchema,
  previewContent,
  templateInputSchema,
  updateTemplate,
  type MessageTemplate,
  type TemplateInput,
} from './templates/store.ts';
export { channelKinds, isChannelKind, type ChannelKind, type MessageContent, type MessageOutcome, type MessagePurpose, type MessageRequest } from './types.ts';
export { clearWechatTokens } from './wechat/official-account.ts';
export { fromWechatEvent, parseWechatXml, verifyWechatSignature } from './wechat/callback.ts';
export { recordDeliveryReports, type DeliveryReport, type ReportTally } from './receipts/record.ts';
export { receiptPathPrefixes, receiptPaths, receiptToken } from './receipts/endpoint-token.ts';
export { receiptWorkspace } from './receipts/receipt-workspace.ts';
export { aliyunReportAck, aliyunSmsReportSchema, fromAliyunReport } from './sms/aliyun-report.ts';
export { emailBounceWebhookSchema, fromEmailBounce } from './email/bounce-report.ts';
export { fromWebhookReceipts, webhookReceiptsSchema } from './webhook/receipts.ts';
export { signatureHeader, signWebhook, timestampHeader, verifyWebhookSignature } from './webhook/signing.ts';

/**
 * Whether a customer is in the workspace's global control group: a stable hash of (workspace, customer)
 * against the share. The share is part of the contact policy (loadContactPolicy(db, id).policy.globalControlShare);
 * queueMessage applies it by itself, so pass it here only to report or analyse (0 when omitted).
 */
export function inGlobalControl(workspace: Workspace, customerId: number, share = 0): boolean {
  return inGlobalControlShare(workspace.id, customerId, share);
}
