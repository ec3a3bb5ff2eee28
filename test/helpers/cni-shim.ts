/**
 * Runs the built `netplugin-cni` shim (or any CNI plugin) the way a container runtime does:
 * a clean environment holding only what is given, the configuration on stdin.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { ROOT } from './cluster.js';

/** The shim as built by node-gyp (NETPLUGIN_CNI_SHIM overrides it, e.g. for a sanitizer build). */
export const SHIM = process.env.NETPLUGIN_CNI_SHIM ?? join(ROOT, 'build/Release/netplugin-cni');

/** Exit code, raw stdout and (when it is JSON) the parsed stdout of one plugin run. */
export interface PluginRunResult {
  code: number;
  stdout: string;
  stderr: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  json: Record<string, any> | undefined;
}

/** Runs `plugin` (default: the shim) with `args`, `env` (undefined values dropped) and `stdin`. */
export function runPlugin(env: Record<string, string | undefined>, stdin: string | Buffer, plugin = SHIM, args: string[] = []): Promise<PluginRunResult> {
  return new Promise((resolve, reject) => {
    const clean: Record<string, string> = {};
    for (const [k, v] of Object.entries(env)) if (v !== undefined) clean[k] = v;
    const child = spawn(plugin, args, { env: clean, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString('utf8')));
    child.stderr.on('data', (b: Buffer) => (err += b.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => {
      let json: PluginRunResult['json'];
      try {
        json = out.trim() ? JSON.parse(out) : undefined;
      } catch {
        json = undefined;
      }
      resolve({ code: code ?? -1, stdout: out, stderr: err, json });
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(stdin);
  });
}
