import type { Rule } from '../kit.js';
import scopeUnreadable from './scope-unreadable.js';
import staleException from './stale-exception.js';

export const auditRules: Rule[] = [scopeUnreadable, staleException];
