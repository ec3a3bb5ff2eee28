/** A client of the Docker engine API (v1.41) over its unix socket. */
import { NetpluginError } from '../common/errors.js';
import { apiError, dockerRequest, dockerStream } from './engine-http.js';
import { EventLineSplitter, eventsQuery, parseEventLine, type DockerEvent } from './engine-events.js';
import { decodeNetwork, encodeNetworkCreate, networkFilters, type DockerNetwork, type NetworkCreateSpec } from './engine-networks.js';

export type { DockerEvent } from './engine-events.js';
export type { DockerNetwork, NetworkCreateSpec, NetworkEndpoint, NetworkSubnet } from './engine-networks.js';

/** A container as `docker ps` lists it. */
export interface ContainerSummary {
  id: string;
  /** Without the leading '/'. */
  name: string;
  /** running, exited, created, ... */
  state: string;
}

/** What the agent needs from `docker inspect`. */
export interface ContainerDetails {
  id: string;
  name: string;
  running: boolean;
  /** 0 when not running. */
  pid: number;
  /** NetworkSettings.SandboxKey: the bind-mounted netns path, when the container has one. */
  sandboxKey?: string;
  hostname?: string;
  networkMode?: string;
}

/** A live events subscription. */
export interface DockerEventStream {
  /** Ends the stream; `onEnd` is not called for a close the caller asked for. */
  close(): void;
}

/** Default engine socket. */
export const DEFAULT_DOCKER_SOCKET = '/var/run/docker.sock';

/** Talks to one Docker engine. */
export class DockerEngine {
  /** Uses the engine at `socketPath` (default /var/run/docker.sock). */
  constructor(readonly socketPath: string = DEFAULT_DOCKER_SOCKET) {}

  /** True if the engine answers `/_ping`; false (never throws) when it is missing or refuses. */
  async ping(): Promise<boolean> {
    try {
      const res = await dockerRequest(this.socketPath, 'GET', '/_ping', 5_000);
      return res.status === 200;
    } catch {
      return false;
    }
  }

  /** Lists containers (running only unless `all`). */
  async listContainers(opts: { all?: boolean } = {}): Promise<ContainerSummary[]> {
    const list = (await this.getJson(`/containers/json${opts.all ? '?all=1' : ''}`)) as { Id: string; Names?: string[]; State?: string }[];
    return list.map((c) => ({ id: c.Id, name: stripSlash(c.Names?.[0] ?? ''), state: c.State ?? '' }));
  }

  /** Inspects a container by id or name; undefined when the engine does not know it. */
  async inspect(idOrName: string): Promise<ContainerDetails | undefined> {
    const path = `/containers/${encodeURIComponent(idOrName)}/json`;
    const res = await dockerRequest(this.socketPath, 'GET', path);
    if (res.status === 404) return undefined;
    if (res.status !== 200) throw apiError('GET', path, res.status, res.body);
    const c = JSON.parse(res.body) as {
      Id: string; Name?: string; State?: { Running?: boolean; Pid?: number };
      NetworkSettings?: { SandboxKey?: string }; Config?: { Hostname?: string }; HostConfig?: { NetworkMode?: string };
    };
    const d: ContainerDetails = { id: c.Id, name: stripSlash(c.Name ?? ''), running: c.State?.Running === true, pid: c.State?.Pid ?? 0 };
    if (c.NetworkSettings?.SandboxKey) d.sandboxKey = c.NetworkSettings.SandboxKey;
    if (c.Config?.Hostname) d.hostname = c.Config.Hostname;
    if (c.HostConfig?.NetworkMode) d.networkMode = c.HostConfig.NetworkMode;
    return d;
  }

  /**
   * Follows `GET /events` with the given filters (`since` in epoch seconds replays past
   * events first). `onEnd` is called once: with an error if the request failed, the
   * engine answered non-200 or sent garbage, without one if the engine ended the stream.
   */
  events(
    opts: { since?: number; until?: number; types?: string[]; actions?: string[] },
    onEvent: (e: DockerEvent) => void,
    onEnd: (err?: Error) => void,
  ): DockerEventStream {
    const path = `/events${eventsQuery(opts)}`;
    let finished = false;
    const finish = (err?: Error): void => {
      if (finished) return;
      finished = true;
      req.destroy();
      onEnd(err);
    };
    const req = dockerStream(this.socketPath, path, (res) => {
      if (res.statusCode !== 200) {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => finish(apiError('GET', path, res.statusCode ?? 0, Buffer.concat(chunks).toString('utf8'))));
        return;
      }
      const splitter = new EventLineSplitter();
      const deliver = (lines: string[]): void => {
        for (const line of lines) {
          if (finished) return;
          let ev: DockerEvent;
          try {
            ev = parseEventLine(line);
          } catch (e) {
            finish(new NetpluginError('NP_DOCKER_API', `docker event stream sent malformed JSON: ${(e as Error).message}`, { status: 200, message: line.slice(0, 200) }));
            return;
          }
          onEvent(ev);
        }
      };
      res.on('data', (c: Buffer) => deliver(splitter.push(c)));
      res.on('end', () => {
        deliver(splitter.end());
        finish();
      });
      res.on('error', (e) => finish(e));
      res.on('aborted', () => finish(new NetpluginError('NP_DOCKER_API', 'docker event stream aborted', { status: 200, message: 'aborted' })));
    }, (e) => finish(e));
    return {
      close: () => {
        finished = true;
        req.destroy();
      },
    };
  }

  /** Lists networks, optionally filtered by labels (`k=v` or `k`), driver or name (the list carries no endpoints). */
  async listNetworks(filters: { labels?: string[]; driver?: string; name?: string } = {}): Promise<DockerNetwork[]> {
    const list = await this.getJson(`/networks${networkFilters(filters)}`);
    if (!Array.isArray(list)) throw new NetpluginError('NP_DOCKER_API', 'docker GET /networks did not answer a list', { status: 200 });
    return list.map(decodeNetwork);
  }

  /** Inspects a network by id or name, with its endpoints; undefined when the engine does not know it. */
  async inspectNetwork(idOrName: string): Promise<DockerNetwork | undefined> {
    const path = `/networks/${encodeURIComponent(idOrName)}`;
    const res = await dockerRequest(this.socketPath, 'GET', path);
    if (res.status === 404) return undefined;
    if (res.status !== 200) throw apiError('GET', path, res.status, res.body);
    return decodeNetwork(JSON.parse(res.body));
  }

  /** Creates a network; resolves to its id. The engine's refusal (name taken, driver error) rejects with NP_DOCKER_API. */
  async createNetwork(spec: NetworkCreateSpec): Promise<string> {
    // Creating a network calls the network and IPAM drivers, which may take a while.
    const res = await dockerRequest(this.socketPath, 'POST', '/networks/create', 60_000, encodeNetworkCreate(spec));
    if (res.status !== 201 && res.status !== 200) throw apiError('POST', '/networks/create', res.status, res.body);
    const id = (JSON.parse(res.body) as { Id?: unknown }).Id;
    if (typeof id !== 'string') throw new NetpluginError('NP_DOCKER_API', 'docker POST /networks/create answered without an Id', { status: res.status });
    return id;
  }

  /** Removes a network; false when the engine did not know it. Refusals (endpoints attached) reject with NP_DOCKER_API. */
  async removeNetwork(idOrName: string): Promise<boolean> {
    const path = `/networks/${encodeURIComponent(idOrName)}`;
    const res = await dockerRequest(this.socketPath, 'DELETE', path, 60_000);
    if (res.status === 404) return false;
    if (res.status !== 204 && res.status !== 200) throw apiError('DELETE', path, res.status, res.body);
    return true;
  }

  private async getJson(path: string): Promise<unknown> {
    const res = await dockerRequest(this.socketPath, 'GET', path);
    if (res.status < 200 || res.status >= 300) throw apiError('GET', path, res.status, res.body);
    return JSON.parse(res.body);
  }
}

function stripSlash(name: string): string {
  return name.startsWith('/') ? name.slice(1) : name;
}
