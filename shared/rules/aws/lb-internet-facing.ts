import type { AwsLoadBalancer } from '../../model/inventory/aws.js';
import type { RuleOutput } from '../kit.js';
import { defineRule } from '../kit.js';
import { awsIndex, clusterList, clustersOf, lbOwner, lc, ref, where, type LbOwner } from './topology.js';

const KIND_LABEL: Record<AwsLoadBalancer['kind'], string> = { application: 'ALB', network: 'NLB', gateway: 'GWLB', classic: 'classic ELB' };

/** The fix for the Kubernetes object that owns the LB; the cloud-side rebuild when nothing owns it. */
function remediationFor(owner: LbOwner | undefined, lb: AwsLoadBalancer): string {
  if (owner?.kind === 'ingress') return 'kubectl annotate ingress {name} -n {namespace} alb.ingress.kubernetes.io/scheme=internal --overwrite';
  if (owner?.controller === 'aws-load-balancer-controller') {
    return 'kubectl annotate service {name} -n {namespace} service.beta.kubernetes.io/aws-load-balancer-scheme=internal --overwrite';
  }
  if (owner) {
    // The in-tree provider reads the annotation only when it creates the LB: the Service is recreated.
    return 'kubectl annotate service {name} -n {namespace} service.beta.kubernetes.io/aws-load-balancer-internal=true --overwrite && kubectl get service {name} -n {namespace} -o yaml | kubectl replace --force -f -';
  }
  if (lb.kind === 'classic') {
    return 'aws elb describe-load-balancers --region {region} --load-balancer-names {lbName} (the scheme cannot change: recreate it with aws elb create-load-balancer --region {region} --load-balancer-name {lbName}-internal --scheme internal --subnets {subnetIds} and the same listeners, then aws elb delete-load-balancer --region {region} --load-balancer-name {lbName})';
  }
  return 'aws elbv2 create-load-balancer --region {region} --name {lbName}-internal --type {lbType} --scheme internal --subnets {subnetIds} (the scheme cannot change: move the listeners and targets, then aws elbv2 delete-load-balancer --region {region} --load-balancer-arn {arn})';
}

export default defineRule({
  meta: {
    id: 'aws/lb-internet-facing',
    title: 'No internet-facing load balancer serves a cluster',
    severity: 'critical',
    category: 'exposure',
    cloud: 'aws',
    resource: 'AWS::ElasticLoadBalancingV2::LoadBalancer | AWS::ElasticLoadBalancing::LoadBalancer',
    description:
      "Fires (critical) for each ALB, NLB, GWLB or classic ELB with scheme `internet-facing` that serves a cluster: it sits in an EKS or kops cluster's VPC, or carries a cluster tag (`kubernetes.io/cluster/<name>`, `elbv2.k8s.aws/cluster`, `KubernetesCluster`, `eks:cluster-name`). When the AWS Load Balancer Controller (`service.k8s.aws/stack`, `ingress.k8s.aws/stack`) or the in-tree provider (`kubernetes.io/service-name`) tagged it, the message names the namespace and Service and the fix is the annotation on that object.",
    risk: "A tenant's Service of type LoadBalancer (or an Ingress) publishes cluster workloads on the internet, past the corporate firewall and on-prem only paths.",
    remediation: 'kubectl annotate service {name} -n {namespace} service.beta.kubernetes.io/aws-load-balancer-scheme=internal --overwrite',
    references: [
      'https://kubernetes-sigs.github.io/aws-load-balancer-controller/latest/guide/service/annotations/#lb-scheme',
      'https://kubernetes-sigs.github.io/aws-load-balancer-controller/latest/guide/ingress/annotations/#scheme',
      'https://kubernetes.io/docs/concepts/services-networking/service/#internal-load-balancer',
    ],
    needs: ['aws.loadBalancers', 'aws.clusters', 'aws.subnets', 'aws.kopsClusters'],
  },
  evaluate(inv, ctx) {
    const out: RuleOutput[] = [];
    const index = awsIndex(inv.aws, ctx);
    for (const lb of inv.aws.loadBalancers) {
      if (lc(lb.scheme) !== 'internet-facing') continue;
      const vpcId = lb.vpcId ?? lb.subnetIds.map((s) => index.subnets.get(lc(s))?.vpcId).find((v) => v !== undefined);
      const clusters = clustersOf(index, { vpcId, tags: lb.tags });
      if (clusters.length === 0) continue;
      const owner = lbOwner(lb.tags);
      const ownerText = owner ? `, created for ${owner.kind === 'ingress' ? 'Ingress' : 'Service'} ${owner.namespace}/${owner.name}` : '';
      const kindLabel = KIND_LABEL[lb.kind];
      out.push(
        ctx.finding({
          scope: lb.scope,
          resource: ref(lb, lb.kind === 'classic' ? 'AWS::ElasticLoadBalancing::LoadBalancer' : 'AWS::ElasticLoadBalancingV2::LoadBalancer'),
          message: `${kindLabel} ${where(lb)} is internet-facing${lb.dnsName ? ` (${lb.dnsName})` : ''} in VPC ${vpcId ?? '(unknown)'}, serving ${clusterList(clusters)}${ownerText}`,
          evidence: { scheme: lb.scheme, kind: lb.kind, vpcId: vpcId ?? null, subnetIds: [...lb.subnetIds].sort(), ...(owner ? { owner: `${owner.namespace}/${owner.name}` } : {}) },
          remediation: remediationFor(owner, lb),
          data: {
            region: lb.region,
            lbName: lb.name,
            lbType: lb.kind,
            arn: lb.id,
            subnetIds: lb.subnetIds.join(' '),
            ...(owner ? { name: owner.name, namespace: owner.namespace } : {}),
          },
        }),
      );
    }
    return out;
  },
});
