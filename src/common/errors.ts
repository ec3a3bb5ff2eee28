/**
 * The one catalogue of stable error codes. Codes are never reused or renumbered;
 * docs/errors.md documents each. Add new codes at the end of their group.
 */

/** Every stable error code the plugin can report, with its one-line meaning. */
export const ERROR_CODES = {
  NP_INTENT_INVALID: 'the intent was rejected; `problems` lists each JSON path and reason',
  NP_INTENT_PARSE: 'the intent is not valid JSON',
  NP_STORE_CONFLICT: 'a store transaction lost a compare-on-revision race; retry',
  NP_STORE_UNAVAILABLE: 'the state store could not be opened or reached',
  NP_STORE_URL: 'the --store URL is not understood',
  NP_NATIVE_SYSCALL: 'a system call in the native addon failed (see errno, syscall)',
  NP_NETLINK: 'the kernel rejected a netlink request (see errno and the extended-ack message)',
  NP_OPENFLOW_ERROR: 'the switch answered an OpenFlow message with OFPT_ERROR',
  NP_OPENFLOW_CLOSED: 'the OpenFlow connection to the bridge closed',
  NP_OPENFLOW_TIMEOUT: 'the switch did not answer in time',
  NP_OVSDB_ERROR: 'an OVSDB transaction failed',
  NP_OVSDB_CLOSED: 'the OVSDB connection closed',
  NP_DOCKER_API: 'the Docker engine API returned an error',
  NP_MASTER_UNREACHABLE: 'netdcli could not reach netmaster',
  NP_USAGE: 'a command-line flag is missing or malformed',
  NP_NOT_FOUND: 'the named object does not exist',
  NP_INVALID_ARGUMENT: 'a value passed to an API is malformed (address, MAC, name, lease TTL)',
  NP_STORE_REJECTED: 'the state store refused a request as too large (etcd --max-txn-ops / --max-request-bytes)',
  NP_ADDRESS_IN_USE: 'the requested address is already taken in that network (by the intent or a runtime attachment)',
  NP_ADDRESS_OUT_OF_RANGE: 'the requested address is not a host address of the network subnet',
  NP_POOL_EXHAUSTED: 'the network has no free address left',
  NP_AGENT_NOT_READY: 'the local agent cannot take containers yet (starting, or its store or OVS is unreachable)',
  NP_ATTACH_FAILED: 'the agent could not plumb the container into the network (the reason names the step)',
  NP_NETWORK_IN_USE: 'the network still has runtime attachments (CNI pods, Docker endpoints)',
  NP_CNI_CONFIG: 'the CNI network configuration or environment is malformed (names the field)',
  NP_IPAM_DELEGATE: 'the delegated CNI IPAM plugin failed or returned an unusable result',
  NP_DOCKER_PLUGIN: 'a Docker remote-plugin request was malformed or not supported (names the field)',
  NP_HOST_REGISTERED: 'the host still has a live (registered) agent, so its runtime state cannot be forgotten',
  NP_INTERNAL: 'a failure netplugin did not expect and has no code for (a bug); the message says what failed',
  NP_UNAUTHORIZED: "netmaster's API was called without its bearer token, or with a wrong one",
  NP_FORBIDDEN_ORIGIN: "a request to netmaster's API carried an Origin header that is not netmaster's own (a web page of another site)",
  NP_UNSUPPORTED_MEDIA_TYPE: "a request body sent to netmaster's API is not declared as application/json",
  NP_REQUEST_TOO_LARGE: 'a request exceeds one of netmaster\'s limits (body bytes, or tenants/networks/endpoints per apply); the message names the limit and the flag that raises it',
  NP_NETNS_INVALID: 'a container network-namespace path is not a network namespace file (nsfs) or is the host namespace',
  NP_NETNS_TIMEOUT: 'work inside a container network namespace did not finish in time; the operation was abandoned',
  NP_STORE_CORRUPT: 'the embedded store was initialised once and is now missing, empty or damaged, so it is refused rather than served as empty',
  NP_UNDERLAY_CONFIG: 'the host\'s uplink, VTEP or VXLAN device settings cannot carry traffic between hosts (names the flag or Hosts[] field)',
  NP_HOST_GATEWAY: 'setting up the host gateway port (OVSDB port, link and address, routes, nftables, sysctl) failed; the message names the step',
} as const;

/** A stable error code from the catalogue. */
export type ErrorCode = keyof typeof ERROR_CODES;

/** An error that carries a stable code and optional structured details. */
export class NetpluginError extends Error {
  /** Builds an error whose `code` is stable and whose `details` are machine-readable. */
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'NetpluginError';
  }
}
