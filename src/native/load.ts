/** Loads the compiled N-API modules built by node-gyp from binding.gyp. */
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);

/**
 * Loads `<name>.node` from `$NETPLUGIN_ADDON_DIR` when that is set (the sanitizer build, see
 * docs/security.md), else from `build/Release/` in the nearest enclosing directory that has it.
 */
export function loadNative<T>(name: 'np_openflow' | 'np_netlink'): T {
  const override = process.env.NETPLUGIN_ADDON_DIR;
  if (override) {
    const file = join(override, `${name}.node`);
    if (!existsSync(file)) throw new Error(`NETPLUGIN_ADDON_DIR: ${file} does not exist (run \`make sanitize-build\` or unset it)`);
    return require(file) as T;
  }
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(dir, 'build', 'Release', `${name}.node`);
    if (existsSync(candidate)) return require(candidate) as T;
    const up = dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  throw new Error(`native module ${name} is not built: run \`make build\``);
}
