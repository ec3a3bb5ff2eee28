import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listSriovPfs, readSriovPf } from './sriov-sysfs.js';

/**
 * A tree shaped like sysfs: class/net/X are links into devices/, each netdev's `device` links to
 * its PCI function, a PF's function has sriov_* files and virtfnN links to its VFs' functions.
 */
let root: string;
const BUS = 'devices/pci0000:00/0000:00:02.0';

function link(at: string, to: string): void {
  mkdirSync(dirname(join(root, at)), { recursive: true });
  symlinkSync(relative(dirname(join(root, at)), join(root, to)), join(root, at));
}
function file(at: string, text: string): void {
  mkdirSync(dirname(join(root, at)), { recursive: true });
  writeFileSync(join(root, at), text);
}
/** A netdev `name` on PCI function `pci` (under BUS), listed in class/net. */
function netdev(name: string, pci: string): void {
  mkdirSync(join(root, BUS, pci, 'net', name), { recursive: true });
  link(`${BUS}/${pci}/net/${name}/device`, `${BUS}/${pci}`);
  link(`class/net/${name}`, `${BUS}/${pci}/net/${name}`);
}

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'np-sysfs-'));
  // PF ens1f0 at 0000:3b:00.0: 8 VFs possible, 4 enabled; VF 2 has no netdev here (in a container, or on vfio-pci).
  netdev('ens1f0', '0000:3b:00.0');
  file(`${BUS}/0000:3b:00.0/sriov_totalvfs`, '8\n');
  file(`${BUS}/0000:3b:00.0/sriov_numvfs`, '4\n');
  const vfPci = ['0000:3b:02.0', '0000:3b:02.1', '0000:3b:02.2', '0000:3b:02.3'];
  vfPci.forEach((pci, n) => {
    mkdirSync(join(root, BUS, pci), { recursive: true });
    link(`${BUS}/${pci}/physfn`, `${BUS}/0000:3b:00.0`);
    link(`${BUS}/0000:3b:00.0/virtfn${n}`, `${BUS}/${pci}`);
    if (n !== 2) netdev(`ens1f0v${n}`, pci);
  });
  // A second port with SR-IOV off, and a NIC without SR-IOV at all.
  netdev('ens1f1', '0000:3b:00.1');
  file(`${BUS}/0000:3b:00.1/sriov_totalvfs`, '8\n');
  file(`${BUS}/0000:3b:00.1/sriov_numvfs`, '0\n');
  netdev('eno1', '0000:00:19.0');
  // A virtual device: no `device` link.
  mkdirSync(join(root, 'devices/virtual/net/lo'), { recursive: true });
  link('class/net/lo', 'devices/virtual/net/lo');
});

afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('SR-IOV discovery from a sysfs tree', () => {
  it('lists the PFs only, each VF with its PCI address and netdev (none for VF 2)', async () => {
    expect(await listSriovPfs(root)).toEqual([
      {
        name: 'ens1f0',
        pciAddress: '0000:3b:00.0',
        totalVfs: 8,
        numVfs: 4,
        vfs: [
          { vf: 0, pciAddress: '0000:3b:02.0', netdev: 'ens1f0v0' },
          { vf: 1, pciAddress: '0000:3b:02.1', netdev: 'ens1f0v1' },
          { vf: 2, pciAddress: '0000:3b:02.2' },
          { vf: 3, pciAddress: '0000:3b:02.3', netdev: 'ens1f0v3' },
        ],
      },
      { name: 'ens1f1', pciAddress: '0000:3b:00.1', totalVfs: 8, numVfs: 0, vfs: [] },
    ]);
  });

  it('reads one PF by name; a NIC without SR-IOV, a virtual device, a VF or a missing name is undefined', async () => {
    expect((await readSriovPf('ens1f0', root))?.vfs.map((v) => v.vf)).toEqual([0, 1, 2, 3]);
    for (const name of ['eno1', 'lo', 'ens1f0v0', 'nope0']) expect(await readSriovPf(name, root), name).toBeUndefined();
  });

  it('orders VFs by number, not by name (virtfn10 after virtfn9)', async () => {
    const alt = mkdtempSync(join(tmpdir(), 'np-sysfs-'));
    const saved = root;
    root = alt;
    try {
      netdev('p0', '0000:5e:00.0');
      file(`${BUS}/0000:5e:00.0/sriov_totalvfs`, '16\n');
      file(`${BUS}/0000:5e:00.0/sriov_numvfs`, '11\n');
      for (let n = 0; n <= 10; n++) {
        mkdirSync(join(root, BUS, `0000:5e:01.${n}`), { recursive: true });
        link(`${BUS}/0000:5e:00.0/virtfn${n}`, `${BUS}/0000:5e:01.${n}`);
      }
      const pf = await readSriovPf('p0', root);
      expect(pf!.vfs.map((v) => v.vf)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    } finally {
      root = saved;
      rmSync(alt, { recursive: true, force: true });
    }
  });

  it('a root without class/net is refused with its path; a count that is not a number names the file', async () => {
    await expect(listSriovPfs(join(root, 'nowhere'))).rejects.toMatchObject({ code: 'NP_INVALID_ARGUMENT', message: expect.stringContaining('nowhere') });
    const bad = mkdtempSync(join(tmpdir(), 'np-sysfs-'));
    const saved = root;
    root = bad;
    try {
      netdev('p1', '0000:5e:00.1');
      file(`${BUS}/0000:5e:00.1/sriov_totalvfs`, 'eight\n');
      file(`${BUS}/0000:5e:00.1/sriov_numvfs`, '0\n');
      await expect(readSriovPf('p1', root)).rejects.toMatchObject({ code: 'NP_INVALID_ARGUMENT', message: expect.stringContaining('sriov_totalvfs') });
    } finally {
      root = saved;
      rmSync(bad, { recursive: true, force: true });
    }
  });
});
