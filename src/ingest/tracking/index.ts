/** The Segment-compatible Tracking API: validates identify/track/page/screen/group/alias calls and stores them as events on resolved profiles. */
export { eventTime, parseTimestamp } from './event-time.ts';
export { ingestTracking, type TrackingResult } from './ingest.ts';
export { deriveMessageId } from './message-id.ts';
export {
  parseTrackingBatch,
  parseTrackingCall,
  trackingBatchSchema,
  trackingCallTypes,
  trackingLimits,
  trackingMessageSchemas,
  type TrackingCallType,
  type TrackingMessage,
  type TrackingPayload,
} from './schema.ts';
export { identityTraitKeys, type TrackingWarning } from './traits.ts';
