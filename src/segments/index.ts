/** Segments: a JSON rule language over profiles, scores and behaviour compiled to one SQL statement, saved segments kept current, membership history, exports. */
export { fieldCatalogue, operatorsByType, type FieldName } from './catalogue.ts';
export { processSegmentChanges, refreshDueSegments, type ChangeRound, type DueRefresh } from './changes.ts';
export { segmentEnteredEvent, segmentExitedEvent } from './membership.ts';
export { explainCustomer, explainRule, matchingCustomers, previewRule, type ExplainedRule, type RulePreview, type WhyNode } from './preview.ts';
export { conditionKinds, parseRule, ruleLimits, type Rule, type RuleJson } from './rule.ts';
export {
  archiveSegment,
  createSegment,
  getSegment,
  listSegments,
  refreshSegment,
  segmentInputSchema,
  segmentPatchSchema,
  updateSegment,
  type Segment,
  type SegmentInput,
  type SegmentPatch,
} from './segments.ts';
export {
  audienceExportSchema,
  customerMemberships,
  exportAudienceCsv,
  exportMembersCsv,
  listMembers,
  memberExportSchema,
  memberIdBatches,
  membersQuerySchema,
  segmentSizes,
  type CustomerMembership,
  type SegmentMember,
  type SegmentSize,
} from './export.ts';
export { startSegmentWorker, type SegmentWorker, type SegmentWorkerOptions } from './worker.ts';
