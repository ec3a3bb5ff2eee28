import { describe, expect, it } from 'vitest';
import { NetpluginError } from '../common/errors.js';
import { DEFAULT_STORE_DIR, parseStoreUrl } from './open.js';

const defaults = { embeddedDir: DEFAULT_STORE_DIR };

/** Returns the error parseStoreUrl throws for `url`. */
function errorOf(url: string): NetpluginError {
  try {
    parseStoreUrl(url, defaults);
  } catch (err) {
    return err as NetpluginError;
  }
  throw new Error(`no error for ${url}`);
}

describe('parseStoreUrl', () => {
  it('defaults to the embedded store in the default directory', () => {
    expect(parseStoreUrl(undefined, defaults)).toEqual({ driver: 'embedded', dir: '/var/lib/netplugin/store' });
    expect(parseStoreUrl('embedded', defaults)).toEqual({ driver: 'embedded', dir: '/var/lib/netplugin/store' });
  });
  it('takes an explicit embedded directory', () => {
    expect(parseStoreUrl('embedded:/tmp/s1', defaults)).toEqual({ driver: 'embedded', dir: '/tmp/s1' });
    expect(parseStoreUrl('embedded:///tmp/s2', defaults)).toEqual({ driver: 'embedded', dir: '/tmp/s2' });
  });
  it('parses one or several etcd endpoints, plain and TLS', () => {
    expect(parseStoreUrl('etcd://h1:2379', defaults)).toEqual({ driver: 'etcd', endpoints: ['http://h1:2379'] });
    expect(parseStoreUrl('etcd://10.0.0.1:2379,h2.example:22379/', defaults)).toEqual({
      driver: 'etcd',
      endpoints: ['http://10.0.0.1:2379', 'http://h2.example:22379'],
    });
    expect(parseStoreUrl('etcd+https://[fd00::1]:2379', defaults)).toEqual({
      driver: 'etcd',
      endpoints: ['https://[fd00::1]:2379'],
    });
  });
  it('rejects anything else with NP_STORE_URL naming the URL and the accepted forms', () => {
    for (const url of ['consul://h:1', 'etcd://', 'etcd://h1', 'etcd://h1:2379,', 'embedded:rel/dir', 'http://h:2379']) {
      const err = errorOf(url);
      expect(err).toBeInstanceOf(NetpluginError);
      expect(err.code).toBe('NP_STORE_URL');
      expect(err.message).toContain(url);
      expect(err.message).toContain('etcd+https://');
    }
  });
});
