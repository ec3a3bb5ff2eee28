/**
 * `netagent --host-label H [--store URL] [--docker-socket PATH] [--ovs-rundir DIR] [--bridge NAME]`.
 * The entry point wires the layers (docs/layers.md): the agent below, the runtime service
 * over it, and the local API, CNI route and Docker plugin over the runtime service.
 */
import { Agent } from '../agent/agent.js';
import { DEFAULT_GATEWAY_CIDR, gatewayCidrProblem } from '../agent/host-gateway-addrs.js';
import { NetpluginError } from '../common/errors.js';
import { flagBool, flagString, parseFlags, usage, type FlagSpec } from '../common/flags.js';
import { createLogger } from '../common/log.js';
import { runMain } from './run.js';
import { startLocalApi, type LocalApiServer } from '../local-api/server.js';
import { runtimeRoutes } from '../local-api/runtime-routes.js';
import { cniRoute } from '../cni/route.js';
import { DEFAULT_CNI_BIN_DIR_TEXT, parseCniBinDirs } from '../cni/bin-dirs.js';
import { DEFAULT_PLUGIN_SOCKET, startDockerPlugin } from '../docker/plugin/index.js';
import { followIntentNetworks } from '../docker/plugin/network-sync.js';
import { KEYS } from '../state/keys.js';
import type { NetworkState } from '../intent/types.js';
import { DEFAULT_DOCKER_SOCKET, DockerEngine } from '../docker/engine.js';
import { RuntimeService } from '../runtime/service.js';
import { DEFAULT_STORE_DIR } from '../state/open.js';

const FLAGS: FlagSpec[] = [
  { name: 'host-label', kind: 'string', help: 'name of this host in the intent (required)' },
  { name: 'store', kind: 'string', help: 'state store: embedded, embedded:/dir, etcd://host:port[,host:port] or etcd+https://...', defaultText: `embedded:${DEFAULT_STORE_DIR}` },
  { name: 'etcd-cacert', kind: 'string', help: 'CA certificate for etcd TLS' },
  { name: 'etcd-cert', kind: 'string', help: 'client certificate for etcd TLS' },
  { name: 'etcd-key', kind: 'string', help: 'client key for etcd TLS' },
  { name: 'docker-socket', kind: 'string', help: 'Docker engine socket to follow ("none": do not follow Docker)', defaultText: DEFAULT_DOCKER_SOCKET },
  { name: 'netns-dir', kind: 'string', help: 'directory whose network-namespace files are containers named after the files' },
  { name: 'ovs-rundir', kind: 'string', help: 'Open vSwitch run directory (db.sock, <bridge>.mgmt)', defaultText: '/var/run/openvswitch' },
  { name: 'bridge', kind: 'string', help: 'OVS bridge this agent owns', defaultText: 'netplugin' },
  { name: 'uplink', kind: 'string', help: "NIC toward other hosts: VLAN trunk and VXLAN underlay", defaultText: "the intent's Hosts[].Intf" },
  { name: 'vxlan-dev', kind: 'string', help: 'underlay NIC with its own IPv4 address for kernel VXLAN devices (fast VXLAN path; its address is the VTEP)' },
  { name: 'gateway-cidr', kind: 'string', help: 'IPv4 block (/20 or larger) of the host gateway port <bridge>-gw: the host, the router and the per-tenant SNAT transit addresses; "none" for no host gateway', defaultText: DEFAULT_GATEWAY_CIDR },
  { name: 'vtep-ip', kind: 'string', help: 'VTEP address IP[/PREFIX] (prefix 24 if omitted), put on <bridge>-phy', defaultText: "the intent's Hosts[].VtepIp" },
  { name: 'api-socket', kind: 'string', help: 'unix socket of the local API (CNI shim, runtimes); "none" to not serve it', defaultText: '/run/netplugin/agent.sock' },
  { name: 'cni-bin-dir', kind: 'string', help: 'colon-separated absolute directories delegated CNI IPAM plugins may run from (CNI_PATH entries elsewhere are ignored)', defaultText: DEFAULT_CNI_BIN_DIR_TEXT },
  { name: 'docker-plugin-socket', kind: 'string', help: 'Docker remote network + IPAM plugin socket; "none" to not serve it', defaultText: '/run/docker/plugins/netplugin.sock' },
  { name: 'docker-networks', kind: 'boolean', help: "keep a Docker network <tenant>.<network> (this agent's plugin as driver and IPAM driver) for every intent network on this host's Docker engine" },
  { name: 'resync-interval', kind: 'string', help: 'seconds between safety-net reconciles', defaultText: '30' },
  { name: 'igmp-query-interval', kind: 'string', help: 'seconds between IGMP general queries to local containers; memberships last 2 intervals plus the response time (docs/multicast.md)', defaultText: '125' },
  { name: 'wait-ofport', kind: 'boolean', help: 'answer CNI/Docker attaches only once vswitchd has opened the port (default: once the port is committed and its flows are in)' },
  { name: 'help', kind: 'boolean', help: 'show this help' },
];

runMain('netagent', async () => {
  const p = parseFlags(process.argv.slice(2), FLAGS);
  if (flagBool(p, 'help')) {
    console.log(usage('netagent', '--host-label H [flags]', FLAGS));
    return 0;
  }
  const hostLabel = flagString(p, 'host-label');
  if (!hostLabel) throw new NetpluginError('NP_USAGE', '--host-label is required (e.g. --host-label host1)');
  const resync = Number(flagString(p, 'resync-interval', '30'));
  if (!(resync > 0)) throw new NetpluginError('NP_USAGE', '--resync-interval must be a positive number of seconds');
  if (flagBool(p, 'docker-networks') && (flagString(p, 'docker-plugin-socket') === 'none' || flagString(p, 'docker-socket') === 'none')) {
    throw new NetpluginError('NP_USAGE', '--docker-networks needs the Docker plugin (--docker-plugin-socket) and the engine (--docker-socket)');
  }
  const igmpQueryInterval = Number(flagString(p, 'igmp-query-interval', '125'));
  if (!(igmpQueryInterval >= 1 && igmpQueryInterval <= 31744)) throw new NetpluginError('NP_USAGE', '--igmp-query-interval must be a number of seconds from 1 to 31744 (the longest an IGMPv3 query can announce)', { flag: 'igmp-query-interval' });
  const gatewayCidr = flagString(p, 'gateway-cidr', DEFAULT_GATEWAY_CIDR)!;
  // `none`: no host gateway (no SNAT to the outside, the host does not reach endpoints); routing between networks stays.
  const gatewayProblem = gatewayCidr === 'none' ? undefined : gatewayCidrProblem(gatewayCidr);
  if (gatewayProblem) throw new NetpluginError('NP_USAGE', `--gateway-cidr: ${gatewayProblem}`, { flag: 'gateway-cidr' });
  const cniBinDirs = parseCniBinDirs(flagString(p, 'cni-bin-dir', DEFAULT_CNI_BIN_DIR_TEXT)!);
  const log = createLogger('netagent');
  const dockerSocket = flagString(p, 'docker-socket', DEFAULT_DOCKER_SOCKET)!;
  const engine = dockerSocket === 'none' ? undefined : new DockerEngine(dockerSocket);
  // The runtime service runs over the agent; the agent builds it (once) before its first round.
  const made: RuntimeService[] = [];
  const agent = await Agent.start({
    hostLabel,
    storeUrl: flagString(p, 'store'),
    embeddedStoreDir: DEFAULT_STORE_DIR,
    etcd: { cacert: flagString(p, 'etcd-cacert'), cert: flagString(p, 'etcd-cert'), key: flagString(p, 'etcd-key') },
    docker: engine,
    netnsDir: flagString(p, 'netns-dir'),
    ovsRundir: flagString(p, 'ovs-rundir', '/var/run/openvswitch')!,
    bridge: flagString(p, 'bridge', 'netplugin')!,
    uplink: flagString(p, 'uplink'),
    vtepIp: flagString(p, 'vtep-ip'),
    vxlanDev: flagString(p, 'vxlan-dev'),
    resyncMs: resync * 1000,
    igmpQueryIntervalS: igmpQueryInterval,
    gatewayCidr,
    waitOfport: flagBool(p, 'wait-ofport'),
    workloads: (host) => {
      const service = new RuntimeService(host, log.child({ part: 'runtime' }));
      made.push(service);
      return service;
    },
    log,
  });
  const api = made[0];
  if (!api) throw new Error('netagent: the agent started without building its runtime service');
  const closers: { close(): Promise<void> }[] = [];
  const apiSocket = flagString(p, 'api-socket', '/run/netplugin/agent.sock')!;
  if (apiSocket !== 'none') {
    const routes = [...runtimeRoutes(api, () => ({ host: hostLabel, pid: process.pid })), cniRoute(api, log, { binDirs: cniBinDirs })];
    const server: LocalApiServer = await startLocalApi(apiSocket, routes, log);
    closers.push(server);
  }
  const pluginSocket = flagString(p, 'docker-plugin-socket', DEFAULT_PLUGIN_SOCKET)!;
  if (pluginSocket !== 'none') {
    const plugin = await startDockerPlugin({ socketPath: pluginSocket, api, log, engine, store: agent.store, host: hostLabel });
    closers.push(plugin);
    if (flagBool(p, 'docker-networks') && engine) {
      // Docker networks are per engine: each host's agent keeps its own engine's in step with the intent.
      const networks = async () => (await agent.store.list(KEYS.networksPrefix)).items.map((kv) => JSON.parse(kv.value) as NetworkState);
      closers.push(await followIntentNetworks(agent.store, engine, plugin.driver, networks, log));
    }
  }

  log.info({ host: hostLabel }, 'netagent running');
  const shutdown = () =>
    void Promise.allSettled(closers.map((c) => c.close()))
      .then(() => agent.stop())
      .finally(() => process.exit(0));
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
});
