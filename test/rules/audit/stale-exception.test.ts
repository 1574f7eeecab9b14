import { fingerprint, type Finding } from '../../../shared/model/finding.js';
import rule from '../../../shared/rules/audit/stale-exception.js';
import { ruleTester } from '../../helpers/rule-tester.js';

const lbId = '/subscriptions/1b2c3d4e-0000-4000-8000-000000000001/resourceGroups/MC_rg-aks_aks-prod_westeurope/providers/Microsoft.Network/loadBalancers/kubernetes';
const publicLb: Finding = {
  ruleId: 'azure/lb-public-frontend',
  severity: 'critical',
  category: 'exposure',
  cloud: 'azure',
  scope: 'azure/subscription/1b2c3d4e-0000-4000-8000-000000000001',
  resource: { id: lbId, type: 'Microsoft.Network/loadBalancers', name: 'kubernetes' },
  title: 't',
  message: 'm',
  evidence: {},
  remediation: 'r',
  fingerprint: fingerprint('azure/lb-public-frontend', lbId),
};
const exception = (over: Partial<{ rule: string; resource: string; expires: string }> = {}) => ({
  rule: 'azure/lb-public-frontend',
  resource: '*/mc_rg-aks_aks-prod_westeurope/*',
  reason: 'ingress for the partner API until the private link is live',
  expires: '2026-12-31',
  ...over,
});
const incompleteSub = {
  scope: { cloud: 'azure' as const, kind: 'subscription' as const, id: '1b2c3d4e-0000-4000-8000-000000000002' },
  complete: false,
  failed: [{ dataset: 'loadBalancers', api: 'resourcegraph:resources', status: 403, message: 'denied' }],
};

ruleTester.run(rule, {
  valid: [
    { name: 'no exceptions', config: {} },
    { name: 'a current exception matching a finding (glob, case-insensitive)', config: { exceptions: [exception()] }, priorFindings: [publicLb] },
    { name: 'expiry day itself is still valid', config: { exceptions: [exception({ expires: '2026-11-22' })] }, priorFindings: [publicLb], now: new Date('2026-11-22T23:00:00Z') },
    {
      name: 'its cloud was not audited in this run: undecided, not stale',
      config: { exceptions: [exception()] },
      scopes: [{ scope: { cloud: 'gcp', kind: 'project', id: 'corp-gke-prod' }, complete: true, failed: [] }],
      undecided: ['audit/config/exceptions'],
    },
    {
      name: 'unmatched while a scope is unreadable: undecided, not stale',
      config: { exceptions: [exception()] },
      scopes: [incompleteSub],
      undecided: ['audit/config/exceptions'],
    },
  ],
  invalid: [
    {
      name: 'expired exception',
      config: { exceptions: [exception({ expires: '2026-10-31' })] },
      priorFindings: [publicLb],
      findings: [{ resource: 'exception:azure/lb-public-frontend:*/mc_rg-aks_aks-prod_westeurope/*', messageIncludes: 'expired on 2026-10-31' }],
    },
    {
      name: 'exception that matches nothing in a complete audit of its cloud',
      config: { exceptions: [exception({ rule: 'azure/aks-public-fqdn' })] },
      priorFindings: [publicLb],
      scopes: [{ scope: { cloud: 'azure', kind: 'subscription', id: '1b2c3d4e-0000-4000-8000-000000000001' }, complete: true, failed: [] }],
      findings: [{ resource: 'exception:azure/aks-public-fqdn:*/mc_rg-aks_aks-prod_westeurope/*', messageIncludes: 'matched no finding' }],
    },
  ],
});
