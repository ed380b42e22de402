/** The demo data set: a deterministic retail business (customers, orders, refunds, events) generated from a seed and loaded into the `demo` workspace. */
export {
  defaultDemoCustomers,
  defaultDemoSeed,
  demoHistoryDays,
  generateDemo,
  type DemoCustomer,
  type DemoDataSet,
  type DemoOptions,
} from './generate.ts';
export type { DemoEvent } from './events.ts';
export {
  countDemo,
  demoPhases,
  demoSecretKey,
  demoStatus,
  demoWorkspace,
  demoWriteKey,
  loadDemo,
  type DemoCounts,
  type DemoPhase,
  type DemoProgress,
  type LoadDemoOptions,
  type LoadDemoResult,
} from './load.ts';
export { deleteDemo } from './reset.ts';
