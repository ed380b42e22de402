// Fits BG/NBD and Gamma-Gamma to a million synthetic customers simulated at the CDNOW estimates,
// to show that fitting on de-duplicated summaries scales with distinct histories, not customers.
// Run: npx tsx bench/clv-fit.ts [customers] [seed]
import {
  fitBgNbd,
  fitGammaGamma,
  seededRandom,
  simulateCustomers,
  summarizeForFit,
  summarizeSpendForFit,
  type BgNbdParams,
  type GammaGammaParams,
} from '../src/analytics/clv/index.ts';

// The published CDNOW estimates (Fader, Hardie & Lee 2005; 2005 JMR), times in weeks.
const truePurchase: BgNbdParams = { r: 0.243, alpha: 4.414, a: 0.793, b: 2.426 };
const trueSpend: GammaGammaParams = { p: 6.25, q: 3.74, gamma: 15.44 };
const day = 1 / 7;

function seconds(since: number): number {
  return (performance.now() - since) / 1000;
}

function show(params: object): string {
  return Object.entries(params)
    .map(([name, value]) => `${name} = ${(value as number).toFixed(3)}`)
    .join(', ');
}

const customers = Number(process.argv[2] ?? 1_000_000);
const seed = Number(process.argv[3] ?? 20050101);
const random = seededRandom(seed);
let started = performance.now();
// Like CDNOW: first purchases spread over 12 weeks, calibration ends 39 weeks after the first day.
const rows = simulateCustomers(truePurchase, trueSpend, { customers, random });
console.log(`simulated ${customers.toLocaleString('en')} customers in ${seconds(started).toFixed(2)} s (seed ${seed})`);

started = performance.now();
const histories = summarizeForFit(rows, { timeResolution: day });
const summarizeSeconds = seconds(started);
started = performance.now();
const purchases = fitBgNbd(histories);
const fitSeconds = seconds(started);
console.log(
  `BG/NBD       ${histories.customers.toLocaleString('en')} customers → ${histories.size.toLocaleString('en')} distinct (x, t_x, T) rows (days); ` +
    `summarize ${summarizeSeconds.toFixed(3)} s + fit ${fitSeconds.toFixed(3)} s = ${(summarizeSeconds + fitSeconds).toFixed(3)} s, ` +
    `${purchases.iterations} iterations, converged ${purchases.converged}`,
);
console.log(`             true      ${show(truePurchase)}`);
console.log(`             recovered ${show(purchases.params)}`);

started = performance.now();
const spends = summarizeSpendForFit(rows, { spendResolution: 0.01 });
const spendSummarizeSeconds = seconds(started);
started = performance.now();
const spend = fitGammaGamma(spends);
const spendFitSeconds = seconds(started);
console.log(
  `Gamma-Gamma  ${spends.customers.toLocaleString('en')} repeat buyers → ${spends.size.toLocaleString('en')} distinct (x, z̄) rows (cents); ` +
    `summarize ${spendSummarizeSeconds.toFixed(3)} s + fit ${spendFitSeconds.toFixed(3)} s = ${(spendSummarizeSeconds + spendFitSeconds).toFixed(3)} s, ` +
    `${spend.iterations} iterations, converged ${spend.converged}`,
);
console.log(`             true      ${show(trueSpend)}`);
console.log(`             recovered ${show(spend.params)}`);
