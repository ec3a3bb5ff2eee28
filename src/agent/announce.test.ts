import { describe, expect, it } from 'vitest';
import { announce, type Runner } from './announce.js';

const A = { netns: '/run/netns/c1', ifName: 'eth0', ip: '11.1.0.2' };

describe('announce', () => {
  it('sends one unsolicited ARP from inside the container with busybox', async () => {
    const calls: string[] = [];
    const run: Runner = async (file, args) => (calls.push([file, ...args].join(' ')), { code: 0, stderr: '' });
    expect(await announce(run, A)).toBe('/bin/busybox');
    expect(calls).toEqual(['nsenter --net=/run/netns/c1 /bin/busybox arping -U -c 1 -w 1 -I eth0 11.1.0.2']);
  });

  it('falls back to iputils arping when busybox is missing, and gives up quietly when neither runs', async () => {
    const calls: string[] = [];
    const onlyArping: Runner = async (file, args) => (calls.push(args[1]), { code: args[1] === 'arping' ? 0 : 127, stderr: '' });
    expect(await announce(onlyArping, A)).toBe('arping');
    expect(calls).toEqual(['/bin/busybox', 'arping']);
    const none: Runner = async () => ({ code: 127, stderr: 'No such file or directory' });
    expect(await announce(none, A)).toBeUndefined();
    const noNsenter: Runner = () => Promise.reject(Object.assign(new Error('spawn nsenter ENOENT'), { code: 'ENOENT' }));
    expect(await announce(noNsenter, A)).toBeUndefined();
  });
});
