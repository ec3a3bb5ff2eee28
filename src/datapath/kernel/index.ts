/** Kernel datapath: links, addresses, routes and offloads through netlink, in any namespace. */
export type {
  AddrInfo, FdbEntry, FeatureState, LinkInfo, Netns, NetlinkOp, OpError, OpResult, RouteInfo, VfInfo, VfLinkState, VfSettings, VfVlanProto, VxlanInfo,
} from './types.js';
export { runBatch, toNetpluginError } from './batch.js';
export { nativeKernel, runOneOn, type Kernel } from './kernel.js';
export {
  type OpArgs,
  addrAdd,
  addrDel,
  addrList,
  createVeth,
  createVxlan,
  fdbAppend,
  fdbDel,
  fdbList,
  featuresGet,
  featuresSet,
  linkDel,
  linkGet,
  linkList,
  linkSet,
  routeDel,
  routeList,
  routeReplace,
  vfSet,
} from './ops.js';
export { addonNetnsProbe, checkContainerNetns, type NetnsIdentity, type NetnsProbe } from './netns-check.js';
export { NETNS_OP_TIMEOUT_MS } from './netns-timeout.js';
export { checkVfSettings } from './vf-settings.js';
export { DEFAULT_SYSFS_ROOT, listSriovPfs, readSriovPf, type SriovPf, type SriovVf } from './sriov-sysfs.js';
