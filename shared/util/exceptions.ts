import type { ExceptionConfig } from '../config/schema.js';
import type { Finding } from '../model/finding.js';

function globToRegExp(glob: string): RegExp {
  const escaped = glob.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*');
  return new RegExp(`^${escaped}$`, 'i');
}

/** An exception covers a finding when the rule matches (or is `*`) and the resource glob matches its id. */
export function exceptionMatches(exception: Pick<ExceptionConfig, 'rule' | 'resource'>, finding: Pick<Finding, 'ruleId' | 'resource'>): boolean {
  if (exception.rule !== '*' && exception.rule !== finding.ruleId) return false;
  return globToRegExp(exception.resource).test(finding.resource.id);
}

/** An exception applies through the whole of its expiry day (UTC). */
export function exceptionExpired(exception: Pick<ExceptionConfig, 'expires'>, now: Date): boolean {
  return now.getTime() > Date.parse(`${exception.expires}T23:59:59.999Z`);
}

/** A stable id for an exception entry, used as the resource id of `audit/stale-exception`. */
export function exceptionId(exception: Pick<ExceptionConfig, 'rule' | 'resource'>): string {
  return `exception:${exception.rule}:${exception.resource}`;
}
