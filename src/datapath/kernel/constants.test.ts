import { describe, expect, it } from 'vitest';
import * as k from './constants.js';
import { netlinkAddon } from './native.js';

describe('kernel constants', () => {
  it('match the values the addon compiled from linux/netlink.h and linux/rtnetlink.h', () => {
    const native = netlinkAddon().constants;
    const copies = Object.entries(k).filter(([name]) => name in native);
    expect(copies.map(([name]) => name).sort()).toEqual(Object.keys(native).sort());
    for (const [name, value] of copies) expect(value, name).toBe(native[name]);
  });
});
