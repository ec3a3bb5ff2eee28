/** Loads the compiled N-API modules built by node-gyp from binding.gyp. */
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);

/** Finds `build/Release/<name>.node` in the nearest enclosing directory that has it, and loads it. */
export function loadNative<T>(name: 'np_openflow' | 'np_netlink'): T {
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
