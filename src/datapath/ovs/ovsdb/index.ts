/** OVSDB (RFC 7047) client and the bridge/port helpers the agent uses. */
export { OvsdbClient, type Monitor, type MonitorRequest, type TableUpdate, type TableUpdates } from './client.js';
export { ensureBridge, deleteBridge, getBridgeExternalIds, type BridgeSpec } from './bridge.js';
export { listPorts, addPorts, deletePorts, getPortTrunks, setPortTrunks, type PortInfo, type PortSpec } from './ports.js';
export { waitForOfports } from './ofports.js';
export { waitForVswitchd } from './sync.js';
export { getSwitchInfo, kernelDatapathAvailable, type SwitchInfo } from './switch.js';
export { OvsdbVswitch, type Vswitch } from './vswitch.js';
export { OvsdbReplica, ReplicaVswitch } from './replica.js';
export * as ovsdbCodec from './codec.js';
