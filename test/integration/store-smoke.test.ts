import { test, expect } from 'vitest';
import { EmbeddedStore } from '../../src/state/embedded.js';
import { mkdtempSync } from 'node:fs';
test('smoke', async () => {
  const d = mkdtempSync('/tmp/npst/s-');
  const a = EmbeddedStore.open(d), b = EmbeddedStore.open(d);
  const got: any[] = [];
  const w = await b.watch('/x/', 0, { onEvents: (e) => got.push(e) });
  await a.put('/x/1', 'a'); await a.txn([], [{type:'put',key:'/x/2',value:'b'},{type:'deletePrefix',prefix:'/x/'},{type:'put',key:'/x/3',value:'c'}]);
  await new Promise(r => setTimeout(r, 100));
  console.log(JSON.stringify(got), await a.list('/x/'));
  await w.close(); await a.close(); await b.close();
});
