import type { Rule } from '../kit.js';

export const azureRules: Rule[] = [];
