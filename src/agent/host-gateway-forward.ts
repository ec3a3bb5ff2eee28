/**
 * Forwarding through a host firewall that drops by default. Docker sets the FORWARD policy of
 * the iptables filter table to DROP and jumps first to the chain DOCKER-USER, which it keeps
 * for its users' own rules: SNATed traffic leaving through the host gateway port, and its
 * replies, would be dropped there. Where DOCKER-USER exists, two ACCEPT rules for the port go
 * at its head (our nftables table cannot do it: an accept in one table does not overrule a
 * drop in another). Where it does not, nothing is written.
 */

/** Runs the iptables tool; resolves with its exit code and output (a missing tool rejects with ENOENT). */
export interface IptablesRunner {
  run(args: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }>;
}

/** The chain Docker reserves for its users' rules, jumped to first from FORWARD. */
export const DOCKER_USER_CHAIN = 'DOCKER-USER';

/** The rules (without chain) that let traffic out through the port and its replies back in. */
export function forwardAcceptRules(portName: string): string[][] {
  return [
    ['-i', portName, '-j', 'ACCEPT'],
    ['-o', portName, '-m', 'conntrack', '--ctstate', 'RELATED,ESTABLISHED', '-j', 'ACCEPT'],
  ];
}

/** `-w`: wait for the xtables lock instead of failing while Docker holds it. */
const WAIT = ['-w', '5'];

async function chainExists(ipt: IptablesRunner): Promise<boolean> {
  try {
    return (await ipt.run([...WAIT, '-S', DOCKER_USER_CHAIN])).code === 0;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return false; // no iptables: no Docker firewall either
    throw e;
  }
}

/** Puts the accept rules at the head of DOCKER-USER when that chain exists; true when it wrote one. */
export async function ensureForwardAccept(ipt: IptablesRunner, portName: string): Promise<boolean> {
  if (!(await chainExists(ipt))) return false;
  let wrote = false;
  // In reverse, each inserted at position 1, so they end up in the order forwardAcceptRules gives.
  for (const rule of [...forwardAcceptRules(portName)].reverse()) {
    if ((await ipt.run([...WAIT, '-C', DOCKER_USER_CHAIN, ...rule])).code === 0) continue;
    const r = await ipt.run([...WAIT, '-I', DOCKER_USER_CHAIN, '1', ...rule]);
    if (r.code !== 0) throw new Error(`iptables -I ${DOCKER_USER_CHAIN} 1 ${rule.join(' ')}: ${r.stderr.trim()}`);
    wrote = true;
  }
  return wrote;
}

/** Deletes every copy of the accept rules from DOCKER-USER (nothing when the chain is absent). */
export async function removeForwardAccept(ipt: IptablesRunner, portName: string): Promise<void> {
  if (!(await chainExists(ipt))) return;
  for (const rule of forwardAcceptRules(portName)) {
    // A crash between two inserts of an older agent could have left a copy twice.
    for (let i = 0; i < 8 && (await ipt.run([...WAIT, '-C', DOCKER_USER_CHAIN, ...rule])).code === 0; i++) {
      const r = await ipt.run([...WAIT, '-D', DOCKER_USER_CHAIN, ...rule]);
      if (r.code !== 0) throw new Error(`iptables -D ${DOCKER_USER_CHAIN} ${rule.join(' ')}: ${r.stderr.trim()}`);
    }
  }
}
