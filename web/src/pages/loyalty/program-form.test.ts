import { describe, expect, it } from 'vitest';
import type { Program } from './loyalty-api.ts';
import { formFromProgram, rulesFromForm } from './program-form.ts';

const program: Program = {
  id: 1,
  name: 'Members',
  active: true,
  rules: {
    earn: { pointsPerUnit: 1, unitMinor: 100, categoryMultipliers: { tea: 2 }, channelMultipliers: {}, maxPerOrder: 5000 },
    bonuses: [{ id: 'signup', event: 'Signed Up', where: {}, points: 100 }],
    expiry: { kind: 'end_of_year', extraYears: 1 },
    tiers: { metric: 'spend', window: { kind: 'calendar_year' }, graceDays: 30, levels: [] },
  },
};

describe('program form', () => {
  it('reads a program into the form, and offers defaults for a new one', () => {
    expect(formFromProgram(program)).toEqual({ name: 'Members', pointsPerUnit: 1, unitMajor: 1, expiryKind: 'end_of_year', months: 12 });
    expect(formFromProgram(null)).toMatchObject({ pointsPerUnit: 1, unitMajor: 1, expiryKind: 'rolling', months: 12 });
  });

  it('replaces the earn rate and expiry and keeps every other rule', () => {
    const rules = rulesFromForm(program.rules, { name: 'Members', pointsPerUnit: 3, unitMajor: 1.15, expiryKind: 'rolling', months: 6 });
    expect(rules.earn).toEqual({ pointsPerUnit: 3, unitMinor: 115, categoryMultipliers: { tea: 2 }, channelMultipliers: {}, maxPerOrder: 5000 });
    expect(rules.expiry).toEqual({ kind: 'rolling', months: 6 });
    expect(rules.bonuses).toBe(program.rules.bonuses);
    expect(rules.tiers).toBe(program.rules.tiers);
  });

  it('keeps the extra years of an end-of-year expiry, and starts a new program with just the form', () => {
    expect(rulesFromForm(program.rules, { ...formFromProgram(program), expiryKind: 'end_of_year' }).expiry).toEqual({ kind: 'end_of_year', extraYears: 1 });
    expect(rulesFromForm(undefined, { name: 'New', pointsPerUnit: 2, unitMajor: 10, expiryKind: 'never', months: 12 })).toEqual({
      earn: { pointsPerUnit: 2, unitMinor: 1000, categoryMultipliers: {}, channelMultipliers: {} },
      expiry: { kind: 'never' },
    });
  });
});
