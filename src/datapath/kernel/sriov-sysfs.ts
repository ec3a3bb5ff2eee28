/**
 * SR-IOV discovery from sysfs: which network devices are physical functions, how many VFs each
 * has, and each VF's PCI address and netdev. Reads files only, under a root that tests (and the
 * agent's `--sysfs-root DIR`) point at another tree. PCI addresses are the names the links resolve to.
 */
import { readdir, readFile, realpath } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { NetpluginError } from '../../common/errors.js';

/** Where sysfs is mounted on a host. */
export const DEFAULT_SYSFS_ROOT = '/sys';

/** One virtual function of a PF. */
export interface SriovVf {
  /** N of `virtfnN`: the VF number `ip link set PF vf N` takes. */
  vf: number;
  /** PCI address the `virtfnN` link points at (`0000:3b:02.0`). */
  pciAddress: string;
  /**
   * The VF's network device in this namespace; absent when it has none here (moved into a
   * container's namespace, or bound to a non-network driver such as vfio-pci).
   */
  netdev?: string;
}

/** One physical function: a network device whose PCI device can have VFs. */
export interface SriovPf {
  name: string;
  pciAddress: string;
  /** `sriov_totalvfs`: how many VFs the device supports. */
  totalVfs: number;
  /** `sriov_numvfs`: how many are enabled now. */
  numVfs: number;
  /** The enabled VFs, by VF number. */
  vfs: SriovVf[];
}

const VIRTFN = /^virtfn(\d+)$/;

function isMissing(e: unknown): boolean {
  const code = (e as NodeJS.ErrnoException).code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

async function readCount(path: string): Promise<number> {
  const text = (await readFile(path, 'utf8')).trim();
  const n = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(n)) throw new NetpluginError('NP_INVALID_ARGUMENT', `${path}: '${text}' is not a count`);
  return n;
}

async function netdevsOf(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir)).sort();
  } catch (e) {
    if (isMissing(e)) return [];
    throw e;
  }
}

/** Reads one PF by its device name; undefined when the device does not exist or cannot have VFs. */
export async function readSriovPf(name: string, root = DEFAULT_SYSFS_ROOT): Promise<SriovPf | undefined> {
  const device = join(root, 'class/net', name, 'device');
  let totalVfs: number;
  try {
    totalVfs = await readCount(join(device, 'sriov_totalvfs'));
  } catch (e) {
    if (isMissing(e)) return undefined;
    throw e;
  }
  const numVfs = await readCount(join(device, 'sriov_numvfs'));
  const vfs: SriovVf[] = [];
  for (const entry of await readdir(device)) {
    const m = VIRTFN.exec(entry);
    if (!m) continue;
    const link = join(device, entry);
    const [netdev] = await netdevsOf(join(link, 'net'));
    vfs.push({ vf: Number(m[1]), pciAddress: basename(await realpath(link)), ...(netdev ? { netdev } : {}) });
  }
  vfs.sort((a, b) => a.vf - b.vf);
  return { name, pciAddress: basename(await realpath(device)), totalVfs, numVfs, vfs };
}

/** Lists every PF under `root`/class/net, by name; a root without class/net is refused with its path. */
export async function listSriovPfs(root = DEFAULT_SYSFS_ROOT): Promise<SriovPf[]> {
  const classNet = join(root, 'class/net');
  let names: string[];
  try {
    names = await readdir(classNet);
  } catch (e) {
    if (isMissing(e)) throw new NetpluginError('NP_INVALID_ARGUMENT', `sysfs root ${root}: no ${classNet} directory`);
    throw e;
  }
  const pfs: SriovPf[] = [];
  for (const name of names.sort()) {
    const pf = await readSriovPf(name, root);
    if (pf) pfs.push(pf);
  }
  return pfs;
}
