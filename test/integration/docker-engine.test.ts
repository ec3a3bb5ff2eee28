/**
 * DockerEngine against the real dockerd with the offline image netplugin/busybox:local.
 * Containers are named np-de-<rand>-N and removed in afterAll.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { DockerEngine, type DockerEvent } from '../../src/docker/engine.js';

const IMAGE = 'netplugin/busybox:local';
const rand = randomBytes(3).toString('hex');
const made: string[] = [];

function docker(...args: string[]): string {
  return execFileSync('docker', args, { encoding: 'utf8' }).trim();
}
function runContainer(n: number): { name: string; id: string } {
  const name = `np-de-${rand}-${n}`;
  made.push(name);
  const id = docker('run', '-d', '--name', name, '--net=none', IMAGE, 'sleep', '300');
  return { name, id };
}

afterAll(() => {
  for (const name of made) {
    try { execFileSync('docker', ['rm', '-f', name], { stdio: 'ignore' }); } catch { /* already removed */ }
  }
});

const engine = new DockerEngine();

describe('DockerEngine against the real dockerd', () => {
  it('pings the engine, and answers false for a missing socket', async () => {
    expect(await engine.ping()).toBe(true);
    expect(await new DockerEngine(`/tmp/np-no-docker-${rand}.sock`).ping()).toBe(false);
  });

  it('lists and inspects a running container', async () => {
    const { name, id } = runContainer(1);
    const running = await engine.listContainers();
    expect(running).toContainEqual({ id, name, state: 'running' });

    const d = (await engine.inspect(name))!;
    expect(d.id).toBe(id);
    expect(d.name).toBe(name);
    expect(d.running).toBe(true);
    expect(d.pid).toBe(Number(docker('inspect', '-f', '{{.State.Pid}}', id)));
    expect(d.pid).toBeGreaterThan(0);
    expect(d.networkMode).toBe('none');
    expect(d.hostname).toBe(id.slice(0, 12));
    expect(d.sandboxKey).toBeDefined();
    expect(existsSync(d.sandboxKey!)).toBe(true);
    expect(await engine.inspect(id.slice(0, 12))).toEqual(d);

    docker('stop', '-t', '0', name);
    expect((await engine.listContainers()).map((c) => c.id)).not.toContain(id);
    expect(await engine.listContainers({ all: true })).toContainEqual({ id, name, state: 'exited' });
    const stopped = (await engine.inspect(id))!;
    expect(stopped).toMatchObject({ running: false, pid: 0 });
  });

  it('returns undefined for an unknown container and NP_DOCKER_API for a bad request', async () => {
    expect(await engine.inspect(`np-de-${rand}-nonexistent`)).toBeUndefined();
    const bad = new DockerEngine(`/tmp/np-no-docker-${rand}.sock`);
    await expect(bad.listContainers()).rejects.toMatchObject({ code: 'NP_DOCKER_API', details: { status: 0, errno: 'ENOENT' } });
  });

  it('streams start, die and destroy of a container with its name', async () => {
    const seen: DockerEvent[] = [];
    let ended: { err?: Error } | undefined;
    const since = Math.floor(Date.now() / 1000) - 1;
    const stream = engine.events({ since, types: ['container'], actions: ['start', 'die', 'destroy'] }, (e) => seen.push(e), (err) => (ended = { err }));
    try {
      const { name, id } = runContainer(2);
      docker('rm', '-f', name);
      const mine = async (): Promise<string[]> => {
        for (let i = 0; i < 100; i++) {
          const acts = seen.filter((e) => e.id === id).map((e) => e.action);
          if (acts.includes('destroy')) return acts;
          await new Promise((r) => setTimeout(r, 50));
        }
        return seen.filter((e) => e.id === id).map((e) => e.action);
      };
      expect(await mine()).toEqual(['start', 'die', 'destroy']);
      for (const e of seen.filter((x) => x.id === id)) {
        expect(e.name).toBe(name);
        expect(e.type).toBe('container');
        expect(e.time).toBeGreaterThanOrEqual(since);
        expect(e.timeNano! / 1_000_000_000n).toBe(BigInt(e.time));
      }
      // The filter is applied by the engine: nothing but the requested actions arrives.
      expect(seen.every((e) => ['start', 'die', 'destroy'].includes(e.action))).toBe(true);
      expect(ended).toBeUndefined();
    } finally {
      stream.close();
    }
    await new Promise((r) => setTimeout(r, 50));
    expect(ended).toBeUndefined();
  });

  it('ends the stream by itself when `until` is reached, and reports a rejected request as NP_DOCKER_API', async () => {
    const now = Math.floor(Date.now() / 1000);
    const end = await new Promise<Error | undefined>((resolve) => {
      engine.events({ since: now - 5, until: now, types: ['container'] }, () => undefined, resolve);
    });
    expect(end).toBeUndefined();
    const bad = await new Promise<Error | undefined>((resolve) => {
      engine.events({ since: now, until: now - 60 }, () => undefined, resolve);
    });
    expect(bad).toMatchObject({ code: 'NP_DOCKER_API', details: { status: 400 } });
    expect((bad as Error).message).toMatch(/cannot be after `until`/);
  });
});
