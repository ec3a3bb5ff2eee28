import { describe, expect, it } from 'vitest';
import { networksStillInUse, type RuntimeHolds } from './desired-io.js';
import { parseIntent } from '../intent/parse.js';

const intent = (nets: string[]) => {
  const p = parseIntent(JSON.stringify({ Tenants: [{ Name: 't', Networks: nets.map((n) => ({ Name: n, Endpoints: [] })) }] }));
  if (!p.ok) throw new Error('parse');
  return p.intent;
};

describe('networks still used by runtimes', () => {
  const holds: RuntimeHolds = {
    claims: new Map([['t/a', new Map([['10.0.0.2', 'docker:h1:pool']])], ['t/c', new Map()]]),
    attachments: new Map([['t/b', ['cni c1/eth0 on h1', 'cni c2/eth0 on h2']]]),
  };
  it('names every dropped network that has attachments or claims, and its users', () => {
    expect(networksStillInUse(intent(['c']), holds)).toEqual([
      { path: '$.Tenants', reason: 'network t/a cannot be removed: still used by 1 runtime attachment(s) (docker:h1:pool) [NP_NETWORK_IN_USE]' },
      { path: '$.Tenants', reason: 'network t/b cannot be removed: still used by 2 runtime attachment(s) (cni c1/eth0 on h1; cni c2/eth0 on h2) [NP_NETWORK_IN_USE]' },
    ]);
  });
  it('has nothing to say when the networks stay', () => {
    expect(networksStillInUse(intent(['a', 'b']), holds)).toEqual([]);
  });
});
