import { describe, expect, it } from 'vitest';
import { fakeNetnsProbe, FAKE_NETNS } from '../../../test/helpers/fake-runtime-host.js';
import type { NetpluginError } from '../../common/errors.js';
import { checkContainerNetns } from './netns-check.js';

const failure = (path: string, timeoutMs = 1000) => checkContainerNetns(path, 'SandboxKey', fakeNetnsProbe(), timeoutMs).then(() => undefined, (e: NetpluginError) => ({ code: e.code, message: e.message, details: e.details }));

describe('checkContainerNetns', () => {
  it('accepts a container namespace', async () => {
    expect(await failure(FAKE_NETNS.pod1)).toBeUndefined();
  });

  it("carries the addon's errno and syscall, naming the caller's field", async () => {
    expect(await failure(FAKE_NETNS.fifo)).toEqual({ code: 'NP_NETNS_INVALID', message: `SandboxKey: ${FAKE_NETNS.fifo}: is a FIFO, not a network namespace file (nsfs)`, details: { field: 'SandboxKey', errno: 22, syscall: 'fstatfs' } });
    expect(await failure('/run/netns/gone')).toMatchObject({ code: 'NP_NETNS_INVALID', details: { field: 'SandboxKey', errno: 2, syscall: 'open' } });
  });

  it("refuses the host's own namespace under another path", async () => {
    expect(await failure(FAKE_NETNS.host)).toMatchObject({ code: 'NP_NETNS_INVALID', message: `SandboxKey: ${FAKE_NETNS.host} is the host's own network namespace, not a container's` });
  });

  it('gives up on a path that never answers', async () => {
    const t0 = Date.now();
    expect(await failure(FAKE_NETNS.hang, 50)).toMatchObject({ code: 'NP_NETNS_TIMEOUT', details: { field: 'SandboxKey' } });
    expect(Date.now() - t0).toBeLessThan(1000);
  });
});
