/** The host gateway's two non-netlink seams on a real host: sysctls under /proc/sys and the nft tool. */
import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import type { NftRunner } from './host-gateway-nft.js';
import type { IptablesRunner } from './host-gateway-forward.js';

/** Reads and writes sysctls by their /proc/sys path (`net/ipv4/ip_forward`: slashes, so names with dots work). */
export interface SysctlAccess {
  /** The value without its trailing newline; undefined when the key does not exist. */
  read(key: string): Promise<string | undefined>;
  write(key: string, value: string): Promise<void>;
}

/** This host's sysctls. */
export const procSysctl: SysctlAccess = {
  async read(key) {
    try {
      return (await readFile(`/proc/sys/${key}`, 'utf8')).trim();
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw e;
    }
  },
  async write(key, value) {
    await writeFile(`/proc/sys/${key}`, value);
  },
};

/** How long one nft command may take before it is killed. */
const NFT_TIMEOUT_MS = 10_000;

/** The nft tool on this host's PATH; `command` replaces it (e.g. `ip netns exec NS nft`). */
export function execNft(command: readonly string[] = ['nft']): NftRunner {
  const [file, ...pre] = command;
  return {
    run: (args, stdin) =>
      new Promise((resolve, reject) => {
        const child = execFile(file, [...pre, ...args], { timeout: NFT_TIMEOUT_MS, encoding: 'utf8' }, (err, stdout, stderr) => {
          if (err) reject(new Error(`nft ${args.join(' ')}: ${stderr.trim() || err.message}`));
          else resolve(stdout);
        });
        // A tool that exits without reading its input (a fast failure, the timeout's kill) makes the
        // write fail with EPIPE; the exit status above is the outcome, and an unheard stream error
        // would crash the agent.
        child.stdin?.on('error', () => undefined);
        if (stdin === undefined) child.stdin?.end();
        else child.stdin?.end(stdin);
      }),
  };
}

/** The iptables tool on this host's PATH (a non-zero exit resolves with its code; only a missing tool rejects). */
export function execIptables(command: readonly string[] = ['iptables']): IptablesRunner {
  const [file, ...pre] = command;
  return {
    run: (args) =>
      new Promise((resolve, reject) => {
        execFile(file, [...pre, ...args], { timeout: NFT_TIMEOUT_MS, encoding: 'utf8' }, (err, stdout, stderr) => {
          // execFile's error carries the exit status as a number, or a string errno when the tool did not run.
          const code: unknown = (err as { code?: unknown } | null)?.code;
          if (err && code === 'ENOENT') reject(err);
          else if (err && typeof code !== 'number') reject(new Error(`iptables ${args.join(' ')}: ${stderr.trim() || err.message}`));
          else resolve({ code: typeof code === 'number' ? code : 0, stdout, stderr });
        });
      }),
  };
}
