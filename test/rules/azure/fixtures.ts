/**
 * Real recorded / spec ARM bodies turned into inventory records, so rule cases run on what Azure
 * actually returns. The loading is test/collect/azure/realdata.ts and the mapping is the
 * collector's own (shared/collect/azure/map.ts), so these cases also exercise the path
 * production data takes.
 */
export { listValues, peeringFromArm, readJson, realdataCases, specBody } from '../../collect/azure/realdata.js';
export {
  mapARecordSet as aRecordFromArm,
  mapLoadBalancer as loadBalancerFromArm,
  mapManagedCluster as clusterFromArm,
  mapPrivateDnsLink as linkFromArm,
  mapPrivateDnsZone as zoneFromArm,
  mapPublicIp as publicIpFromArm,
  mapVirtualNetwork as vnetFromArm,
} from '../../../shared/collect/azure/map.js';
