/**
 * Bulk setup for lab benchmarks: many "containers" (network namespaces bind-mounted in a
 * host's netns directory, as `scripts/lab.sh container add` makes them) created by one bash
 * process per host instead of one script run each, plus the probes the benchmarks read
 * (etcd revision, agent and vswitchd CPU).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CONTROL_IP } from '../test/helpers/lab.js';
import type { Lab } from '../test/helpers/lab.js';
import { cpuSeconds } from './lab-ovs.js';

/** Creates container namespaces `names` on `host` of `lab`; the lab's `down()` removes them. */
export function addContainersBulk(lab: Lab, host: string, names: string[]): void {
  const dir = join(lab.dir, host, 'netns');
  // Same steps as lab.sh's `container add`, looped in one shell.
  const script = 'd=$1; shift; for n; do f="$d/$n"; touch "$f" && unshare --net="$f" ip link set lo up || exit 1; done';
  for (let i = 0; i < names.length; i += 200) {
    execFileSync('bash', ['-c', script, 'bulk', dir, ...names.slice(i, i + 200)], { stdio: ['ignore', 'ignore', 'pipe'], timeout: 120_000 });
  }
}

/** etcd's current revision and, optionally, how many keys were modified after `since`. */
export function etcdRevision(lab: Lab, since?: number): { revision: number; keysChanged?: number } {
  const body = since === undefined ? { key: 'AA==', range_end: 'AA==', count_only: true } : { key: 'AA==', range_end: 'AA==', count_only: true, min_mod_revision: since + 1 };
  const out = execFileSync('ip', ['netns', 'exec', lab.netnsName('ul'), 'curl', '-s', '-X', 'POST', `http://${CONTROL_IP}:2379/v3/kv/range`, '-d', JSON.stringify(body)], { encoding: 'utf8', timeout: 30_000 });
  const r = JSON.parse(out) as { header: { revision: string }; count?: string };
  return { revision: Number(r.header.revision), keysChanged: since === undefined ? undefined : Number(r.count ?? 0) };
}

function pidFromFile(file: string): number | undefined {
  if (!existsSync(file)) return undefined;
  const pid = Number(readFileSync(file, 'utf8').trim());
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

/** CPU seconds used so far by each host's agent and ovs-vswitchd (read from the lab's pidfiles). */
export function labCpu(lab: Lab): Map<string, { agent: number; vswitchd: number }> {
  const m = new Map<string, { agent: number; vswitchd: number }>();
  for (const h of lab.hosts) {
    m.set(h, {
      agent: cpuSeconds(pidFromFile(join(lab.dir, h, 'netagent.pid'))),
      vswitchd: cpuSeconds(pidFromFile(join(lab.ovsRundir(h), 'ovs-vswitchd.pid'))),
    });
  }
  return m;
}
