/**
 * The policy groups a Docker endpoint joins: the endpoint driver option `netplugin.groups`
 * (`docker run --network name=N,driver-opt=netplugin.groups=web,db`), a comma-separated list.
 * Docker passes endpoint driver options as keys of CreateEndpoint's `Options`; older
 * engines nest them under the generic options, so both places are read.
 */
import { NetpluginError } from '../../common/errors.js';
import { GENERIC_OPTIONS, type Body } from './protocol.js';

/** Endpoint driver option listing the groups, comma-separated. */
export const GROUPS_OPTION = 'netplugin.groups';

/** The groups CreateEndpoint's options name (in order, each once), or undefined when none. */
export function endpointGroups(method: string, body: Body): string[] | undefined {
  const opts = body.Options;
  if (opts === undefined || opts === null || typeof opts !== 'object' || Array.isArray(opts)) return undefined;
  const o = opts as Record<string, unknown>;
  const generic = o[GENERIC_OPTIONS];
  const nested = generic !== null && typeof generic === 'object' && !Array.isArray(generic) ? (generic as Record<string, unknown>)[GROUPS_OPTION] : undefined;
  const raw = o[GROUPS_OPTION] ?? nested;
  if (raw === undefined || raw === null) return undefined;
  const field = `Options.${GROUPS_OPTION}`;
  if (typeof raw !== 'string') throw new NetpluginError('NP_DOCKER_PLUGIN', `${method}: ${GROUPS_OPTION}: must be a comma-separated list of group names`, { method, field });
  const groups = raw.split(',').map((g) => g.trim());
  if (groups.length === 1 && groups[0] === '') return undefined;
  for (const g of groups) {
    if (g === '' || /[\s/]/.test(g)) {
      throw new NetpluginError('NP_DOCKER_PLUGIN', `${method}: ${GROUPS_OPTION}=${raw}: ${JSON.stringify(g)} is not a group name (non-empty, no '/' or whitespace)`, { method, field });
    }
  }
  return [...new Set(groups)];
}
