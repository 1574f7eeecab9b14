import type { Rule } from '../kit.js';

export const awsRules: Rule[] = [];
