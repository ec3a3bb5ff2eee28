/**
 * The vfSet settings of each command test/fixtures/netlink/capture-vf.mjs captures, by fixture
 * name: the golden-bytes unit test and the kernel-parser integration test share them.
 */
import type { VfSettings } from '../../src/datapath/kernel/types.js';

/** [fixture name, the settings that must encode to the same bytes as the captured `ip` command]. */
export const VF_CASES: Array<[string, VfSettings]> = [
  ['vf-mac', { vf: 0, mac: '02:00:00:00:00:01' }],
  ['vf-vlan', { vf: 0, vlan: 10 }],
  ['vf-vlan-zero', { vf: 0, vlan: 0 }],
  ['vf-vlan-qos', { vf: 1, vlan: 100, qos: 5 }],
  ['vf-vlan-proto-8021q', { vf: 0, vlan: 10, vlanProto: '802.1Q' }],
  ['vf-vlan-proto-8021ad', { vf: 0, vlan: 10, qos: 3, vlanProto: '802.1ad' }],
  ['vf-rate', { vf: 0, txRate: 100 }],
  // iproute2 fills the rate it was not given from the device (0 on a veth); vfSet sends 0.
  ['vf-min-tx-rate', { vf: 0, minTxRate: 10 }],
  ['vf-max-tx-rate', { vf: 0, maxTxRate: 100 }],
  ['vf-min-max-tx-rate', { vf: 2, minTxRate: 10, maxTxRate: 100 }],
  ['vf-spoofchk-on', { vf: 0, spoofchk: true }],
  ['vf-spoofchk-off', { vf: 0, spoofchk: false }],
  ['vf-trust-on', { vf: 0, trust: true }],
  ['vf-trust-off', { vf: 0, trust: false }],
  ['vf-state-auto', { vf: 0, linkState: 'auto' }],
  ['vf-state-enable', { vf: 0, linkState: 'enable' }],
  ['vf-state-disable', { vf: 0, linkState: 'disable' }],
  ['vf-mac-vlan-spoofchk-trust', { vf: 0, mac: '02:00:00:00:00:01', vlan: 10, spoofchk: true, trust: true }],
  ['vf-attach-all', { vf: 3, mac: '02:02:0a:00:00:05', vlan: 20, qos: 2, spoofchk: true, trust: false, linkState: 'enable', minTxRate: 50, maxTxRate: 500 }],
  ['vf-attach-all-8021ad', { vf: 3, mac: '02:02:0a:00:00:05', vlan: 20, qos: 2, vlanProto: '802.1ad', spoofchk: false, linkState: 'auto', maxTxRate: 1000 }],
  ['vf-restore', { vf: 3, mac: '00:00:00:00:00:00', vlan: 0, spoofchk: true, trust: false, linkState: 'auto', minTxRate: 0, maxTxRate: 0 }],
];
