/** What every plugin handler works with, and the checks they share. */
import { NetpluginError } from '../../common/errors.js';
import type { Logger } from '../../common/log.js';
import type { RuntimeApi } from '../../runtime/types.js';
import type { StateStore } from '../../state/store.js';
import type { Body } from './protocol.js';
import type { DockerPluginState } from './state.js';

/** The agent services a handler uses. */
export interface PluginContext {
  api: RuntimeApi;
  state: DockerPluginState;
  store: StateStore;
  /** This agent's host label (claim owners and store keys carry it). */
  host: string;
  log: Logger;
  /** Notes a Docker call about an endpoint now (the clean-up leaves recently active endpoints alone). */
  touch(endpointId: string): void;
  /**
   * Runs teardown work Docker need not wait for, in call order per `key` (an endpoint's
   * Leave before its DeleteEndpoint); failures are logged and left to the clean-up.
   */
  background(key: string, what: string, work: () => Promise<unknown>): void;
}

/** One plugin method: decoded body in, answer object out (errors become `{"Err": ...}`). */
export type Handler = (body: Body) => Promise<unknown>;

/** Throws NP_AGENT_NOT_READY (with the agent's reason) unless containers can be attached now. */
export function requireReady(api: RuntimeApi, method: string): void {
  const s = api.status();
  if (!s.ready) {
    throw new NetpluginError('NP_AGENT_NOT_READY', `the netplugin agent is not ready${s.reason ? `: ${s.reason}` : ''}; try again shortly`, { method, reason: s.reason });
  }
}
