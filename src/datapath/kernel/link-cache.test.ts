import { describe, expect, it } from 'vitest';
import { LinkIndexCache } from './link-cache.js';

describe('per-batch link index cache', () => {
  it('answers from a full dump, including absence, until a name is forgotten', () => {
    const c = new LinkIndexCache();
    expect(c.lookup('/a', 'x')).toBeUndefined();
    c.learn('/a', [{ name: 'x', index: 3 }], true);
    expect(c.lookup('/a', 'x')).toBe(3);
    expect(c.lookup('/a', 'y')).toBeNull();
    expect(c.lookup('/b', 'x')).toBeUndefined();
    c.forget('/a', 'y');
    expect(c.lookup('/a', 'y')).toBeUndefined();
  });

  it('keeps the index across a rename and drops a deleted veth peer in its namespace', () => {
    const c = new LinkIndexCache();
    c.learn('/a', [{ name: 'h', index: 5, peerIndex: 2, kind: 'veth' }]);
    c.learn('/b', [{ name: 'eth0', index: 2, peerIndex: 5, kind: 'veth' }]);
    c.renamed('/a', 'h', 'h2');
    expect(c.lookup('/a', 'h')).toBeNull();
    expect(c.lookup('/a', 'h2')).toBe(5);
    c.deleted('/a', 'h2');
    expect(c.lookup('/a', 'h2')).toBeNull();
    expect(c.lookup('/b', 'eth0')).toBeUndefined();
  });
});
