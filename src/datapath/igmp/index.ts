/** IGMP frames: decode what containers send, tell joins from leaves, and build the querier's general queries. */
export * from './types.js';
export { decodeIgmpFrame, expandV3Code } from './decode.js';
export { joinedGroups, type MembershipChange } from './membership.js';
export { encodeGeneralQuery, v3Code, IGMP_V3_CODE_MAX, type GeneralQueryOptions } from './encode.js';
export { multicastMac, isMulticastIpv4 } from './addresses.js';
export { internetChecksum } from './checksum.js';
