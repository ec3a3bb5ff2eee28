/** Kernel datapath: links, addresses, routes and offloads through netlink, in any namespace. */
export type { AddrInfo, FeatureState, LinkInfo, Netns, NetlinkOp, OpError, OpResult, RouteInfo } from './types.js';
export { runBatch, toNetpluginError } from './batch.js';
export {
  type OpArgs,
  addrAdd,
  addrDel,
  addrList,
  createVeth,
  featuresGet,
  featuresSet,
  linkDel,
  linkGet,
  linkList,
  linkSet,
  routeList,
  routeReplace,
} from './ops.js';
