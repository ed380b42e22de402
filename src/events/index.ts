/** Behavioural events (track, page, screen, identify, group, alias) stored per profile, de-duplicated by message id. */
export { recordEvents, type EventRow } from './record.ts';
