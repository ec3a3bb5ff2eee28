import { describe, expect, it } from 'vitest';
import { DEFAULT_TIMING, MembershipTable, membershipMs, timingFor } from './multicast-members.js';

const T = timingFor(2);

describe('MembershipTable', () => {
  it('keeps a member for robustness x interval + response after its report, and a renewal moves that on', () => {
    const t = new MembershipTable();
    expect(t.apply('t/n', 't/n/a', { joined: ['239.1.1.1'], left: [] }, 1000, T)).toBe(true);
    // A renewal is no change in membership.
    expect(t.apply('t/n', 't/n/a', { joined: ['239.1.1.1'], left: [] }, 3000, T)).toBe(false);
    expect(t.expire(3000 + membershipMs(T) - 1)).toBe(false);
    expect(t.groupsOf('t/n')).toEqual(new Map([['239.1.1.1', ['t/n/a']]]));
    expect(t.expire(3000 + membershipMs(T))).toBe(true);
    expect(t.groupsOf('t/n')).toEqual(new Map());
  });

  it('ends a membership at once on a leave, and only that endpoint\'s', () => {
    const t = new MembershipTable();
    t.apply('t/n', 't/n/a', { joined: ['239.1.1.1', '239.2.2.2'], left: [] }, 0, T);
    t.apply('t/n', 't/n/b', { joined: ['239.1.1.1'], left: [] }, 0, T);
    expect(t.apply('t/n', 't/n/a', { joined: [], left: ['239.1.1.1'] }, 10, T)).toBe(true);
    expect(t.apply('t/n', 't/n/c', { joined: [], left: ['239.1.1.1'] }, 10, T)).toBe(false);
    expect(t.groupsOf('t/n')).toEqual(new Map([['239.1.1.1', ['t/n/b']], ['239.2.2.2', ['t/n/a']]]));
  });

  it('drops the memberships of endpoints no longer on the host', () => {
    const t = new MembershipTable();
    t.apply('t/n', 't/n/a', { joined: ['239.1.1.1'], left: [] }, 0, T);
    t.apply('t/n', 't/n/b', { joined: ['239.1.1.1'], left: [] }, 0, T);
    expect(t.expire(1, (_n, ep) => ep !== 't/n/a')).toBe(true);
    expect(t.groupsOf('t/n').get('239.1.1.1')).toEqual(['t/n/b']);
  });

  it('publishes sorted, and a restarted agent takes back exactly what it published', () => {
    const t = new MembershipTable();
    t.apply('t/z', 't/z/b', { joined: ['239.9.9.9'], left: [] }, 0, T);
    t.apply('t/a', 't/a/b', { joined: ['239.1.1.1'], left: [] }, 0, T);
    t.apply('t/a', 't/a/a', { joined: ['239.1.1.1'], left: [] }, 5, T);
    const pub = t.toPublished('h1');
    expect(JSON.stringify(pub)).toBe(JSON.stringify({ host: 'h1', networks: { 't/a': { '239.1.1.1': { 't/a/a': 5 + membershipMs(T), 't/a/b': membershipMs(T) } }, 't/z': { '239.9.9.9': { 't/z/b': membershipMs(T) } } } }));
    const again = new MembershipTable();
    again.load(JSON.parse(JSON.stringify(pub)));
    expect(again.toPublished('h1')).toEqual(pub);
    // After a restart every membership lasts at least until the time given (nobody could renew meanwhile).
    const late = new MembershipTable();
    late.load(JSON.parse(JSON.stringify(pub)), 5 + membershipMs(T));
    expect(late.toPublished('h1').networks['t/a']['239.1.1.1']).toEqual({ 't/a/a': 5 + membershipMs(T), 't/a/b': 5 + membershipMs(T) });
  });

  it('uses the RFC defaults unless told a shorter interval', () => {
    expect(membershipMs(DEFAULT_TIMING)).toBe(260_000);
    expect(timingFor(2)).toEqual({ queryIntervalMs: 2000, queryResponseMs: 1000, robustness: 2 });
    expect(membershipMs(timingFor(2))).toBe(5000);
  });
});
