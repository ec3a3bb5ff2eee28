import { it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { openflowNative } from '../../src/datapath/ovs/openflow/native.js';
import { OpenFlowConnection, type FlowMod } from '../../src/datapath/ovs/openflow/index.js';
it('prof', async () => {
  const nat = openflowNative();
  const mods: FlowMod[] = [];
  for (let i = 0; i < 50000; i++) {
    const mac = `02:00:00:${((i >> 16) & 0xff).toString(16).padStart(2, '0')}:${((i >> 8) & 0xff).toString(16).padStart(2, '0')}:${(i & 0xff).toString(16).padStart(2, '0')}`;
    mods.push({ command: 'add', tableId: 1, priority: 200, cookie: BigInt(i), match: { inPort: 1 + (i % 60000), ethSrc: mac, ethType: 0x0800, ipv4Src: `10.0.${(i >> 8) & 0xff}.${i & 0xff}` }, instructions: [{ type: 'gotoTable', tableId: 2 }] });
  }
  for (let k = 0; k < 3; k++) {
    const t0 = performance.now();
    const buf = nat.encodeBatch({ version: 5, firstXid: 1, flowMods: mods, barrier: true });
    console.log('encode ms', performance.now() - t0, buf.length);
  }
  const br = 'npofp' + Math.random().toString(36).slice(2, 7);
  execFileSync('ovs-vsctl', ['add-br', br, '--', 'set', 'bridge', br, 'datapath_type=netdev', 'protocols=OpenFlow13,OpenFlow14', 'fail_mode=secure']);
  const c = await OpenFlowConnection.connect(`/var/run/openvswitch/${br}.mgmt`);
  try {
    for (let k = 0; k < 3; k++) {
      const buf = nat.encodeBatch({ version: 5, firstXid: 1000000 * (k + 1), flowMods: mods, barrier: true });
      let t0 = performance.now();
      await (c as any).request(1000000 * (k + 1) + 50000, buf, (m: any, done: any) => { if (m.type === 21) done(m); });
      console.log('raw send+barrier ms', performance.now() - t0);
      execFileSync('ovs-ofctl', ['del-flows', br]);
      t0 = performance.now();
      await c.flowMods(mods);
      console.log('flowMods ms', performance.now() - t0);
      execFileSync('ovs-ofctl', ['del-flows', br]);
    }
  } finally { c.close(); execFileSync('ovs-vsctl', ['del-br', br]); }
}, 120000);
