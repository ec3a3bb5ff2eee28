/**
 * `make bench`: runs every benchmark (root, OVS running), prints one table and writes
 * bench/results/latest.json. Each figure sits beside the baseline measured in the same run.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeResults, type BenchRow } from './lib.js';
import { runFlowBench } from './flows.js';
import { runAttachBench } from './attach.js';
import { runConvergenceBench } from './convergence.js';
import { runDataplaneBench } from './dataplane.js';
import { runCniBench } from './cni.js';
import { runDockerBench } from './docker.js';
import { runIncrementalBench } from './incremental.js';
import { runStoreScaleBench } from './store-scale.js';
import { runRoutingBench } from './routing.js';
import { runPolicyBench } from './policy.js';
import { runPolicyLabBench } from './policy-lab.js';
import { runQosBench } from './qos.js';
import { runMulticastBench } from './multicast.js';

const repo = join(fileURLToPath(import.meta.url), '../../../..');
const only = process.argv[2];
const suites: [string, () => Promise<BenchRow[]>][] = [
  ['flows', runFlowBench],
  ['attach', runAttachBench],
  ['incremental', runIncrementalBench],
  ['convergence', runConvergenceBench],
  ['dataplane', runDataplaneBench],
  ['cni', runCniBench],
  ['docker', runDockerBench],
  ['store', runStoreScaleBench],
  ['routing', runRoutingBench],
  ['policy', runPolicyBench],
  ['policy-tcp', runPolicyLabBench],
  ['qos', runQosBench],
  ['multicast', runMulticastBench],
];

const rows: BenchRow[] = [];
for (const [name, run] of suites) {
  if (only && only !== name) continue;
  process.stderr.write(`bench: ${name}...\n`);
  rows.push(...(await run()));
}
writeResults(join(repo, 'bench/results/latest.json'), rows);
