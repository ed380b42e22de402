/** Ways data comes in: the tracking API, file imports and the demo data set. */
export * from './demo/index.ts';
export * from './tracking/index.ts';
export * from './import/index.ts';
