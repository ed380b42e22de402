import type { Expiry, Program, ProgramRules } from './loyalty-api.ts';

/** The program form's fields: the earn rate as points per amount in major units, and the expiry. */
export interface ProgramForm {
  name: string;
  pointsPerUnit: number;
  unitMajor: number;
  expiryKind: Expiry['kind'];
  months: number;
}

/** The form's values for a program, or the defaults for a new one (1 point per 1.00, expiring after 12 months). */
export function formFromProgram(program: Program | null): ProgramForm {
  if (!program) return { name: '', pointsPerUnit: 1, unitMajor: 1, expiryKind: 'rolling', months: 12 };
  const { earn, expiry } = program.rules;
  return { name: program.name, pointsPerUnit: earn.pointsPerUnit, unitMajor: earn.unitMinor / 100, expiryKind: expiry.kind, months: expiry.kind === 'rolling' ? expiry.months : 12 };
}

/**
 * The rules to save from the form: the earn rate (amount in minor units, rounded to a whole fen/cent) and
 * the expiry replace the current ones; every other rule (caps, multipliers, bonuses, tiers) is kept.
 */
export function rulesFromForm(current: ProgramRules | undefined, values: ProgramForm): Partial<ProgramRules> {
  const expiry: Expiry =
    values.expiryKind === 'rolling'
      ? { kind: 'rolling', months: values.months }
      : values.expiryKind === 'end_of_year'
        ? { kind: 'end_of_year', extraYears: current?.expiry.kind === 'end_of_year' ? current.expiry.extraYears : 0 }
        : { kind: 'never' };
  const earn = { ...(current?.earn ?? { categoryMultipliers: {}, channelMultipliers: {} }), pointsPerUnit: values.pointsPerUnit, unitMinor: Math.round(values.unitMajor * 100) };
  return { ...(current ?? {}), earn, expiry };
}
