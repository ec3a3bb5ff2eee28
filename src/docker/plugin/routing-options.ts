/**
 * The routing driver options of `docker network create -d netplugin` (`-o netplugin.gateway=`,
 * `-o netplugin.external=`). A Docker network binds to an intent network and never creates
 * one, so the intent decides the routing; the options only state what the user expects,
 * and CreateNetwork fails rather than bind a network whose routing is not what they said.
 */
import { NetpluginError } from '../../common/errors.js';
import { EXTERNAL_MODES, GATEWAY_MODES, externalOf, gatewayModeOf } from '../../intent/routing.js';
import type { RuntimeNetwork } from '../../runtime/types.js';

/** Driver option that states the network's `Gateway` (`distributed` or `external`). */
export const GATEWAY_OPTION = 'netplugin.gateway';
/** Driver option that states the network's `External` (`snat` or `none`). */
export const EXTERNAL_OPTION = 'netplugin.external';

/** Throws when a routing option has a value outside its intent key's, or differs from the intent network's. */
export function checkRoutingOptions(method: string, options: Record<string, string>, network: RuntimeNetwork): void {
  const checks: [option: string, intentKey: string, allowed: readonly string[], actual: string][] = [
    [GATEWAY_OPTION, 'Gateway', GATEWAY_MODES, gatewayModeOf(network)],
    [EXTERNAL_OPTION, 'External', EXTERNAL_MODES, externalOf(network)],
  ];
  for (const [option, intentKey, allowed, actual] of checks) {
    const given = options[option];
    if (given === undefined) continue;
    const field = `Options.${option}`;
    if (!allowed.includes(given)) {
      throw new NetpluginError('NP_DOCKER_PLUGIN', `${method}: -o ${option}=${given}: must be ${allowed.map((v) => JSON.stringify(v)).join(' or ')}`, { method, field });
    }
    if (given !== actual) {
      throw new NetpluginError(
        'NP_INVALID_ARGUMENT',
        `${method}: -o ${option}=${given} disagrees with intent network ${network.id}, whose ${intentKey} is "${actual}": the intent decides a network's routing (change it with netdcli -add-cfg), or leave the option out`,
        { method, field, network: network.id },
      );
    }
  }
}
