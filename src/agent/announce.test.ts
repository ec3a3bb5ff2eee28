import { describe, expect, it } from 'vitest';
import { announce, Announcer, type Runner } from './announce.js';

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

describe('Announcer', () => {
  it('runs at most `limit` announcements at once and all of them in the end', async () => {
    let running = 0;
    let most = 0;
    const run: Runner = async () => {
      most = Math.max(most, ++running);
      await new Promise((r) => setTimeout(r, 5));
      running--;
      return { code: 0, stderr: '' };
    };
    const done: string[] = [];
    const all = new Promise<void>((resolve) => {
      const a = new Announcer(run, (x) => {
        done.push(x.ip);
        if (done.length === 10) resolve();
      }, 3);
      for (let i = 0; i < 10; i++) a.add({ ...A, ip: `11.1.0.${i}` });
    });
    await all;
    expect(most).toBe(3);
    expect(done.sort()).toEqual(Array.from({ length: 10 }, (_, i) => `11.1.0.${i}`).sort());
  });
});
