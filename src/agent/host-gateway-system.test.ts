import { describe, expect, it } from 'vitest';
import { execNft } from './host-gateway-system.js';

describe('execNft', () => {
  it('reports the exit status of a tool that exits without reading its input, instead of crashing on EPIPE', async () => {
    // 4 MiB cannot fit a pipe buffer, so the write is still pending when `sh` exits unread.
    const input = 'x'.repeat(4 << 20);
    const nft = execNft(['sh', '-c', 'echo refused >&2; exit 3', 'nft']);
    await expect(nft.run(['-f', '-'], input)).rejects.toThrow('nft -f -: refused');
  });

  it('passes its input to the tool and resolves with the output', async () => {
    const nft = execNft(['sh', '-c', 'cat', 'nft']);
    await expect(nft.run([], 'table ip t {}\n')).resolves.toBe('table ip t {}\n');
  });
});
