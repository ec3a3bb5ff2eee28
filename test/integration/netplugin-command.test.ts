/**
 * `netplugin` is the agent under the seed's own name: `sudo netplugin -host-label=host1`
 * must parse as netagent does. Needs a built tree (dist/), no root.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/lab.js';

const NETPLUGIN = join(ROOT, 'bin/netplugin');

describe('bin/netplugin', () => {
  it('prints the agent help, with the same flags as bin/netagent', () => {
    const mine = execFileSync(NETPLUGIN, ['--help'], { encoding: 'utf8' });
    const agent = execFileSync(join(ROOT, 'bin/netagent'), ['--help'], { encoding: 'utf8' });
    expect(mine).toContain('--host-label VALUE');
    expect(mine).toBe(agent);
  });

  it('parses the seed spelling -host-label=host1 (an unknown flag after it is the first error)', () => {
    const r = spawnSync(NETPLUGIN, ['-host-label=host1', '-no-such-flag=1'], { encoding: 'utf8' });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain('unknown flag -no-such-flag=1');
    expect(r.stderr).not.toContain('host-label');
  });

  it('is installed and uninstalled by make install / make uninstall', () => {
    const make = readFileSync(join(ROOT, 'Makefile'), 'utf8');
    const install = make.split('\ninstall:')[1].split('\n\n')[0];
    const uninstall = make.split('\nuninstall:')[1].split('\n\n')[0];
    expect(install).toMatch(/for b in [^;]*\bnetplugin\b[^;]*; do ln -sf/);
    expect(uninstall).toMatch(/for b in [^;]*\bnetplugin\b[^;]*; do rm -f/);
  });
});
