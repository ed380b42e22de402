/** Customers' privacy rights: a full data export and an erasure that keeps only anonymous order amounts. */
export { eraseCustomer, erasureCatalogue, type ErasedTable, type ErasureResult } from './erase.ts';
export { exportCustomerData, type CustomerExport } from './export.ts';
export { consentHistory, consentUpdateSchema, getConsents, updateConsents, type ConsentRecordView, type ConsentUpdate } from './consent.ts';
