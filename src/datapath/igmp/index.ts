/** IGMP frames: decode what containers send, tell joins from leaves, and build the querier's general queries. */
export * from './types.js';
export { decodeIgmpFrame } from './decode.js';
export { expandV3Code, v3Code, IGMP_V3_CODE_MAX } from './codes.js';
export { joinedGroups, type MembershipChange } from './membership.js';
export { encodeGeneralQuery, type GeneralQueryOptions } from './encode.js';
export { multicastMac, isMulticastIpv4 } from './addresses.js';
export { internetChecksum } from './checksum.js';
