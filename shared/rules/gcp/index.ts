import type { Rule } from '../kit.js';

export const gcpRules: Rule[] = [];
