/** Experiments: deterministic assignment of customers to arms and holdouts by hashing, and the significance of their differences. */
export { assignArm, hashUnit, holdoutArm, type Arm } from './assignment.ts';
export { compareProportions, normalCdf, type Proportion, type ProportionComparison } from './statistics.ts';
