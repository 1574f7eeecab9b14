/** Parts of an ARM resource id, e.g. `/subscriptions/<s>/resourceGroups/<rg>/providers/<ns>/<type>/<name>`. */
export interface ArmIdParts {
  subscriptionId: string;
  resourceGroup: string;
  provider: string;
  /** `virtualNetworks` or `virtualNetworks/subnets` for child resources. */
  types: string[];
  names: string[];
}

export function parseArmId(id: string): ArmIdParts | undefined {
  const segs = id.split('/').filter((s) => s.length > 0);
  const lower = segs.map((s) => s.toLowerCase());
  const sub = lower.indexOf('subscriptions');
  const rg = lower.indexOf('resourcegroups');
  const prov = lower.indexOf('providers');
  const subscriptionId = sub >= 0 ? segs[sub + 1] : undefined;
  if (subscriptionId === undefined) return undefined;
  const resourceGroup = rg >= 0 ? (segs[rg + 1] ?? '') : '';
  const provider = prov >= 0 ? (segs[prov + 1] ?? '') : '';
  const rest = prov >= 0 ? segs.slice(prov + 2) : [];
  const types: string[] = [];
  const names: string[] = [];
  for (let i = 0; i + 1 < rest.length; i += 2) {
    types.push(rest[i] as string);
    names.push(rest[i + 1] as string);
  }
  return { subscriptionId, resourceGroup, provider, types, names };
}

/** The resource group of an ARM id, lower-cased, or '' when absent. */
export function resourceGroupOf(id: string): string {
  return (parseArmId(id)?.resourceGroup ?? '').toLowerCase();
}

/** The parent id of a child resource id: `.../virtualNetworks/v/subnets/s` → `.../virtualNetworks/v`. */
export function parentId(id: string): string {
  const segs = id.split('/');
  return segs.slice(0, Math.max(0, segs.length - 2)).join('/');
}
