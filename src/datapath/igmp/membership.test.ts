/** joinedGroups: which groups a report joins and leaves, without source filtering. */
import { describe, expect, it } from 'vitest';
import { ALLOW_NEW_SOURCES, BLOCK_OLD_SOURCES, CHANGE_TO_EXCLUDE_MODE, CHANGE_TO_INCLUDE_MODE, MODE_IS_EXCLUDE, MODE_IS_INCLUDE, joinedGroups, type IgmpMessage } from './index.js';

const v3 = (...records: [number, string, string[]][]): IgmpMessage => ({ type: 'v3report', records: records.map(([type, group, sources]) => ({ type, group, sources })) });
const G = '239.1.1.1';
const H = '239.2.2.2';
const S = '10.0.0.9';

describe('joinedGroups', () => {
  it('reads v1 and v2 reports as joins and a v2 leave as a leave', () => {
    expect(joinedGroups({ type: 'v1report', group: G })).toEqual({ joined: [G], left: [] });
    expect(joinedGroups({ type: 'v2report', group: G })).toEqual({ joined: [G], left: [] });
    expect(joinedGroups({ type: 'v2leave', group: G })).toEqual({ joined: [], left: [G] });
  });

  it('changes nothing for a query', () => {
    expect(joinedGroups({ type: 'query', group: '0.0.0.0', maxRespTime: 100, version: 3 })).toEqual({ joined: [], left: [] });
  });

  it('reads EXCLUDE records (any sources) and ALLOW_NEW_SOURCES as joins: we forward the whole group', () => {
    expect(joinedGroups(v3([MODE_IS_EXCLUDE, G, []]))).toEqual({ joined: [G], left: [] });
    expect(joinedGroups(v3([MODE_IS_EXCLUDE, G, [S]]))).toEqual({ joined: [G], left: [] });
    expect(joinedGroups(v3([CHANGE_TO_EXCLUDE_MODE, G, []]))).toEqual({ joined: [G], left: [] });
    expect(joinedGroups(v3([CHANGE_TO_EXCLUDE_MODE, G, [S]]))).toEqual({ joined: [G], left: [] });
    expect(joinedGroups(v3([ALLOW_NEW_SOURCES, G, [S]]))).toEqual({ joined: [G], left: [] });
  });

  it('reads INCLUDE records as joins with sources and as leaves without', () => {
    expect(joinedGroups(v3([MODE_IS_INCLUDE, G, [S]]))).toEqual({ joined: [G], left: [] });
    expect(joinedGroups(v3([CHANGE_TO_INCLUDE_MODE, G, [S]]))).toEqual({ joined: [G], left: [] });
    expect(joinedGroups(v3([MODE_IS_INCLUDE, G, []]))).toEqual({ joined: [], left: [G] });
    expect(joinedGroups(v3([CHANGE_TO_INCLUDE_MODE, G, []]))).toEqual({ joined: [], left: [G] });
  });

  it('ignores BLOCK_OLD_SOURCES and record types it does not know', () => {
    expect(joinedGroups(v3([BLOCK_OLD_SOURCES, G, [S]]))).toEqual({ joined: [], left: [] });
    expect(joinedGroups(v3([7, G, []]))).toEqual({ joined: [], left: [] });
  });

  it('sorts several groups of one report into joined and left, the last record of a group winning', () => {
    expect(joinedGroups(v3([CHANGE_TO_EXCLUDE_MODE, G, []], [CHANGE_TO_INCLUDE_MODE, H, []]))).toEqual({ joined: [G], left: [H] });
    expect(joinedGroups(v3([CHANGE_TO_EXCLUDE_MODE, G, []], [CHANGE_TO_INCLUDE_MODE, G, []]))).toEqual({ joined: [], left: [G] });
    expect(joinedGroups(v3([CHANGE_TO_INCLUDE_MODE, G, []], [ALLOW_NEW_SOURCES, G, [S]]))).toEqual({ joined: [G], left: [] });
  });
});
