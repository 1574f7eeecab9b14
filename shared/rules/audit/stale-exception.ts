import { exceptionExpired, exceptionId, exceptionMatches } from '../../util/exceptions.js';
import { defineRule } from '../kit.js';

export default defineRule({
  meta: {
    id: 'audit/stale-exception',
    title: 'Exceptions are current and still match something',
    severity: 'low',
    category: 'audit',
    cloud: 'any',
    resource: 'Exception (airlock.yaml)',
    description:
      'Fires for each configured exception whose expiry date has passed, and for each unexpired exception that matched no finding in a complete audit of its cloud.',
    risk: 'An expired exception no longer hides anything, and one that matches nothing hides nothing today but will silently swallow the next finding that happens to match it.',
    remediation: 'Remove the exception from airlock.yaml, or renew it with a new expiry date and a current reason after review.',
    references: [],
    needs: [],
    usesFindings: true,
  },
  evaluate(_inventory, ctx) {
    const outputs = [];
    for (const exception of ctx.config.exceptions) {
      const id = exceptionId(exception);
      const resource = { id, type: 'airlock/exception', name: `${exception.rule} ${exception.resource}` };
      const evidence = { rule: exception.rule, resource: exception.resource, expires: exception.expires, reason: exception.reason };
      const scope = 'audit/config/exceptions';
      if (exceptionExpired(exception, ctx.now)) {
        outputs.push(
          ctx.finding({
            scope,
            resource,
            discriminator: 'expired',
            message: `exception for ${exception.rule} on ${exception.resource} expired on ${exception.expires} (reason was: ${exception.reason})`,
            evidence,
          }),
        );
        continue;
      }
      if (ctx.findings.some((f) => exceptionMatches(exception, f))) continue;
      const cloud = exception.rule === '*' ? undefined : exception.rule.split('/')[0];
      if (cloud !== undefined && cloud !== 'audit' && !ctx.coverage.scopes.some((sc) => sc.scope.cloud === cloud)) {
        // The exception's cloud was not audited in this run (e.g. `airlock audit --cloud gcp`): nothing to judge it by.
        outputs.push(ctx.undecided(scope, `exception ${exception.rule} ${exception.resource}: ${cloud} was not audited in this run`));
        continue;
      }
      const incomplete = ctx.coverage.scopes.filter((sc) => !sc.complete && (cloud === undefined || cloud === 'audit' || sc.scope.cloud === cloud));
      if (incomplete.length > 0) {
        outputs.push(ctx.undecided(scope, `exception ${exception.rule} ${exception.resource} matched nothing, but ${incomplete.length} scope(s) were not read completely`));
        continue;
      }
      outputs.push(
        ctx.finding({
          scope,
          resource,
          discriminator: 'unmatched',
          message: `exception for ${exception.rule} on ${exception.resource} (expires ${exception.expires}) matched no finding`,
          evidence,
        }),
      );
    }
    return outputs;
  },
});
