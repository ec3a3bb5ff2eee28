import { describe, expect, it } from 'vitest';
import { HostLinks } from './host-links.js';
import { FakeKernel } from '../../test/fakes/fake-kernel.js';

describe('HostLinks', () => {
  it('reads the namespace once, then trusts its own changes until the copy is too old or invalidated', async () => {
    const kernel = new FakeKernel();
    kernel.addLink('a');
    let now = 0;
    const links = new HostLinks(1000, () => now);
    expect([...(await links.current(kernel))]).toEqual(['a']);
    links.added(['b']);
    links.removed(['a']);
    kernel.addLink('c'); // made by someone else: not seen until the next full read
    now = 999;
    expect([...(await links.current(kernel))]).toEqual(['b']);
    expect(kernel.batches).toEqual([[{ op: 'linkList' }]]);
    now = 1000;
    expect([...(await links.current(kernel))].sort()).toEqual(['a', 'c']);
    links.invalidate();
    await links.current(kernel);
    expect(kernel.batches).toHaveLength(3);
  });
});
