/** Buy-till-you-die customer models (BG/NBD, Pareto/NBD, Gamma-Gamma): likelihoods, predictions, CLV and maximum-likelihood fitting on de-duplicated summaries. */
export {
  bgnbdConditionalExpectedPurchases,
  bgnbdExpectedPurchases,
  bgnbdLogLikelihood,
  bgnbdProbabilityAlive,
  bgnbdTotalLogLikelihood,
  type BgNbdParams,
} from './bgnbd.ts';
export {
  paretoNbdConditionalExpectedPurchases,
  paretoNbdExpectedPurchases,
  paretoNbdLogLikelihood,
  paretoNbdProbabilityAlive,
  paretoNbdTotalLogLikelihood,
  type ParetoNbdParams,
} from './pareto-nbd.ts';
export {
  customerLifetimeValue,
  gammaGammaConditionalExpectedSpend,
  gammaGammaLogLikelihood,
  gammaGammaTotalLogLikelihood,
  type GammaGammaParams,
  type LifetimeValueOptions,
} from './gamma-gamma.ts';
export {
  summarizeForFit,
  summarizeSpendForFit,
  type HistorySummary,
  type PurchaseHistory,
  type SpendHistory,
  type SpendSummary,
  type SummaryOptions,
} from './fit-summary.ts';
export { fitBgNbd, fitGammaGamma, fitParetoNbd, type FitOptions, type FitResult } from './fit.ts';
export { hyp2f1 } from './hypergeometric.ts';
export {
  clvModelSchema,
  clvModels,
  parseSummaryRow,
  summaryColumnAliases,
  summaryColumnsFor,
  type ClvModel,
  type SummaryColumns,
  type SummaryField,
  type SummaryRow,
} from './schema.ts';
export { simulateCustomers, type SimulationOptions } from './simulate.ts';
export { betaVariate, gammaVariate, seededRandom, type RandomSource } from './random-variates.ts';
