import { describe, expect, it } from 'vitest';
import { commandInVersion, compareVersions, isSupportedVersion, negotiate, SUPPORTED_VERSIONS, versionResult } from './versions.js';

describe('cni versions', () => {
  it('speaks exactly 0.3.0, 0.3.1, 0.4.0, 1.0.0 and 1.1.0', () => {
    expect([...SUPPORTED_VERSIONS]).toEqual(['0.3.0', '0.3.1', '0.4.0', '1.0.0', '1.1.0']);
    expect(isSupportedVersion('0.2.0')).toBe(false);
    expect(isSupportedVersion('1.1')).toBe(false);
    expect(isSupportedVersion('1.1.0')).toBe(true);
  });

  it('orders versions numerically, not as text', () => {
    expect(compareVersions('0.10.0', '0.4.0')).toBeGreaterThan(0);
    expect(compareVersions('1.0.0', '1.0.0')).toBe(0);
    expect(compareVersions('0.3.1', '0.4.0')).toBeLessThan(0);
    expect(compareVersions('garbage', '0.1.0')).toBeLessThan(0);
  });

  it('knows which versions have CHECK, STATUS and GC', () => {
    expect(commandInVersion('CHECK', '0.3.1')).toBe(false);
    expect(commandInVersion('CHECK', '0.4.0')).toBe(true);
    expect(commandInVersion('STATUS', '1.0.0')).toBe(false);
    expect(commandInVersion('GC', '1.0.0')).toBe(false);
    expect(commandInVersion('GC', '1.1.0')).toBe(true);
    expect(commandInVersion('ADD', '0.3.0')).toBe(true);
  });

  it('negotiates the newest common version within bounds', () => {
    const ref = ['0.1.0', '0.2.0', '0.3.0', '0.3.1', '0.4.0', '1.0.0'];
    expect(negotiate(ref, '1.1.0', '0.3.0')).toBe('1.0.0');
    expect(negotiate(ref, '0.3.1', '0.3.0')).toBe('0.3.1');
    expect(negotiate(['0.1.0', '0.2.0'], '1.1.0', '0.3.0')).toBeUndefined();
    expect(negotiate(['2.0.0', 'x'], '1.1.0', '0.3.0')).toBeUndefined();
  });

  it('echoes the requested version in the VERSION answer', () => {
    expect(versionResult('0.4.0')).toEqual({ cniVersion: '0.4.0', supportedVersions: [...SUPPORTED_VERSIONS] });
    expect(versionResult().cniVersion).toBe('1.1.0');
  });
});
