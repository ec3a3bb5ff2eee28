import { describe, expect, it } from 'vitest';
import { checkIntentCounts, countIntentObjects, DEFAULT_HTTP_LIMITS } from './http-limits.js';

describe('object counts per apply', () => {
  it('counts tenants, networks and endpoints, keys in any case, ignoring shapes validation will reject', () => {
    const doc = {
      Tenants: [
        { Name: 'a', Networks: [{ Endpoints: [{}, {}] }, { endpoints: [{}] }] },
        { name: 'b', NETWORKS: [{}] },
        'not an object',
      ],
    };
    expect(countIntentObjects(doc)).toEqual({ tenants: 3, networks: 3, endpoints: 3 });
    expect(countIntentObjects([1, 2])).toEqual({ tenants: 0, networks: 0, endpoints: 0 });
    expect(countIntentObjects({ Tenants: 'x' })).toEqual({ tenants: 0, networks: 0, endpoints: 0 });
  });

  it('allows up to each cap and refuses one over, naming the count and the flag', () => {
    const limits = { ...DEFAULT_HTTP_LIMITS, maxEndpoints: 2 };
    const doc = (n: number) => ({ Tenants: [{ Networks: [{ Endpoints: Array.from({ length: n }, () => ({})) }] }] });
    expect(() => checkIntentCounts(doc(2), limits)).not.toThrow();
    expect(() => checkIntentCounts(doc(3), limits)).toThrow(
      expect.objectContaining({ code: 'NP_REQUEST_TOO_LARGE', message: 'the document names 3 endpoints, over the limit of 2 per apply; raise it with netmaster --max-endpoints' }),
    );
  });

  it('has generous defaults: 16 MiB bodies, 200000 endpoints', () => {
    expect(DEFAULT_HTTP_LIMITS.maxBodyBytes).toBe(16 * 1024 * 1024);
    expect(DEFAULT_HTTP_LIMITS.maxEndpoints).toBe(200_000);
    const doc = { Tenants: [{ Networks: [{ Endpoints: Array.from({ length: 200_000 }, () => ({})) }] }] };
    expect(() => checkIntentCounts(doc, DEFAULT_HTTP_LIMITS)).not.toThrow();
  });
});
