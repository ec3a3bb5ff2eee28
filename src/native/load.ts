/** Loads the compiled N-API modules built by node-gyp from binding.gyp. */
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);

/** Finds and loads `build/Release/<name>.node` from the repository root (src/ or dist/ layout). */
export function loadNative<T>(name: 'np_openflow' | 'np_netlink'): T {
  for (const up of ['../..', '..', '../../..']) {
    const candidate = join(here, up, 'build', 'Release', `${name}.node`);
    if (existsSync(candidate)) return require(candidate) as T;
  }
  throw new Error(`native module ${name} is not built: run \`make build\``);
}
