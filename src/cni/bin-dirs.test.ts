import { describe, expect, it } from 'vitest';
import { DEFAULT_CNI_BIN_DIR_TEXT, parseCniBinDirs, usableCniPath } from './bin-dirs.js';

describe('--cni-bin-dir', () => {
  it('defaults to /opt/cni/bin:/usr/lib/cni', () => {
    expect(DEFAULT_CNI_BIN_DIR_TEXT).toBe('/opt/cni/bin:/usr/lib/cni');
    expect(parseCniBinDirs(DEFAULT_CNI_BIN_DIR_TEXT)).toEqual(['/opt/cni/bin', '/usr/lib/cni']);
  });

  it('refuses a relative or empty list, naming the flag', () => {
    expect(() => parseCniBinDirs('/opt/cni/bin:bin')).toThrow(/--cni-bin-dir: "bin" is not an absolute directory/);
    expect(() => parseCniBinDirs('::')).toThrow(/--cni-bin-dir: needs at least one absolute directory/);
  });

  it('keeps CNI_PATH entries on the list (in CNI_PATH order) and ignores relative or other ones', () => {
    const allowed = ['/opt/cni/bin', '/usr/lib/cni'];
    expect(usableCniPath(['bin', '/usr/lib/cni/', '/tmp', '/opt/cni/bin', '/usr/lib/cni'], allowed)).toEqual({
      usable: ['/usr/lib/cni', '/opt/cni/bin'],
      ignored: ['bin', '/tmp'],
    });
    expect(usableCniPath(['/opt/cni/bin/../../tmp', './opt/cni/bin'], allowed)).toEqual({ usable: [], ignored: ['/opt/cni/bin/../../tmp', './opt/cni/bin'] });
  });
});
