/** An in-memory stand-in for the parts of DockerEngine the plugin uses, for unit tests. */
import { NetpluginError } from '../../src/common/errors.js';
import type { DockerEngine, DockerNetwork, NetworkCreateSpec } from '../../src/docker/engine.js';

/** Networks held in a map; `down` makes every call fail like an unreachable engine. */
export class FakeEngine {
  readonly socketPath = '/fake/docker.sock';
  readonly nets = new Map<string, DockerNetwork>();
  down = false;
  private seq = 0;

  /** Typed as the real client for code under test. */
  asEngine(): DockerEngine {
    return this as unknown as DockerEngine;
  }

  /** Adds a network as Docker would hold it. */
  add(n: Partial<DockerNetwork> & { id: string; name: string }): DockerNetwork {
    const full: DockerNetwork = { driver: 'netplugin', scope: 'local', labels: {}, options: {}, ipamDriver: 'default', ipamOptions: {}, subnets: [], endpoints: [], ...n };
    this.nets.set(full.id, full);
    return full;
  }

  async listNetworks(): Promise<DockerNetwork[]> {
    this.check();
    return [...this.nets.values()].map((n) => ({ ...n, endpoints: [] }));
  }

  async inspectNetwork(id: string): Promise<DockerNetwork | undefined> {
    this.check();
    return this.nets.get(id) ?? [...this.nets.values()].find((n) => n.name === id);
  }

  async createNetwork(spec: NetworkCreateSpec): Promise<string> {
    this.check();
    if ([...this.nets.values()].some((n) => n.name === spec.name)) throw new NetpluginError('NP_DOCKER_API', `network with name ${spec.name} already exists`);
    const id = `net${++this.seq}`;
    this.add({ id, name: spec.name, driver: spec.driver, labels: spec.labels ?? {}, options: spec.options ?? {}, ipamDriver: spec.ipamDriver ?? 'default', ipamOptions: spec.ipamOptions ?? {} });
    return id;
  }

  async removeNetwork(id: string): Promise<boolean> {
    this.check();
    const n = this.nets.get(id);
    if (!n) return false;
    if (n.endpoints.length) throw new NetpluginError('NP_DOCKER_API', `network ${n.name} has active endpoints`);
    this.nets.delete(id);
    return true;
  }

  private check(): void {
    if (this.down) throw new NetpluginError('NP_DOCKER_API', 'docker GET /networks via /fake/docker.sock: connect ENOENT', { status: 0 });
  }
}
