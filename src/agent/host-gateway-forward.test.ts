import { describe, expect, it } from 'vitest';
import { ensureForwardAccept, removeForwardAccept, type IptablesRunner } from './host-gateway-forward.js';

/** A message-level fake of iptables: one chain's rules, every call recorded. */
class FakeIptables implements IptablesRunner {
  calls: string[] = [];
  constructor(public chain: string[][] | undefined) {}
  async run(args: readonly string[]) {
    this.calls.push(args.join(' '));
    const [w, secs, op, chain, ...rest] = args;
    expect([w, secs]).toEqual(['-w', '5']);
    if (chain !== 'DOCKER-USER' || !this.chain) return { code: 1, stdout: '', stderr: `iptables: No chain/target/match by that name.` };
    const key = rest.join(' ');
    if (op === '-S') return { code: 0, stdout: this.chain.map((r) => `-A DOCKER-USER ${r.join(' ')}`).join('\n'), stderr: '' };
    if (op === '-C') return { code: this.chain.some((r) => r.join(' ') === key) ? 0 : 1, stdout: '', stderr: '' };
    if (op === '-I') {
      this.chain.splice(Number(rest[0]) - 1, 0, rest.slice(1));
      return { code: 0, stdout: '', stderr: '' };
    }
    if (op === '-D') {
      this.chain.splice(this.chain.findIndex((r) => r.join(' ') === key), 1);
      return { code: 0, stdout: '', stderr: '' };
    }
    throw new Error(`unexpected ${op}`);
  }
}

const IN = ['-i', 'br0-gw', '-j', 'ACCEPT'];
const BACK = ['-o', 'br0-gw', '-m', 'conntrack', '--ctstate', 'RELATED,ESTABLISHED', '-j', 'ACCEPT'];

describe('DOCKER-USER accept rules', () => {
  it('puts both rules at the head of the chain, in order, ahead of what was there; a second call only checks', async () => {
    const ipt = new FakeIptables([['-j', 'RETURN']]);
    expect(await ensureForwardAccept(ipt, 'br0-gw')).toBe(true);
    expect(ipt.chain).toEqual([IN, BACK, ['-j', 'RETURN']]);
    expect(ipt.calls).toEqual([
      '-w 5 -S DOCKER-USER',
      `-w 5 -C DOCKER-USER ${BACK.join(' ')}`,
      `-w 5 -I DOCKER-USER 1 ${BACK.join(' ')}`,
      `-w 5 -C DOCKER-USER ${IN.join(' ')}`,
      `-w 5 -I DOCKER-USER 1 ${IN.join(' ')}`,
    ]);
    ipt.calls = [];
    expect(await ensureForwardAccept(ipt, 'br0-gw')).toBe(false);
    expect(ipt.calls).toEqual(['-w 5 -S DOCKER-USER', `-w 5 -C DOCKER-USER ${BACK.join(' ')}`, `-w 5 -C DOCKER-USER ${IN.join(' ')}`]);
  });

  it('writes nothing where Docker has no chain, or there is no iptables at all', async () => {
    const none = new FakeIptables(undefined);
    expect(await ensureForwardAccept(none, 'br0-gw')).toBe(false);
    expect(none.calls).toEqual(['-w 5 -S DOCKER-USER']);
    const missing: IptablesRunner = { run: () => Promise.reject(Object.assign(new Error('spawn iptables ENOENT'), { code: 'ENOENT' })) };
    expect(await ensureForwardAccept(missing, 'br0-gw')).toBe(false);
  });

  it('removes every copy of both rules and leaves the others', async () => {
    const ipt = new FakeIptables([IN, IN, BACK, ['-s', '10.0.0.0/8', '-j', 'DROP'], ['-j', 'RETURN']]);
    await removeForwardAccept(ipt, 'br0-gw');
    expect(ipt.chain).toEqual([['-s', '10.0.0.0/8', '-j', 'DROP'], ['-j', 'RETURN']]);
  });

  it('reports a failed insert with the rule named', async () => {
    const ipt = new FakeIptables([]);
    const failing: IptablesRunner = { run: async (args) => (args[2] === '-I' ? { code: 4, stdout: '', stderr: 'iptables: Resource temporarily unavailable.' } : ipt.run(args)) };
    await expect(ensureForwardAccept(failing, 'br0-gw')).rejects.toThrow(`iptables -I DOCKER-USER 1 ${BACK.join(' ')}: iptables: Resource temporarily unavailable.`);
  });
});
