/**
 * CNI spec versions and verbs: which versions this plugin speaks, which verbs each version
 * has (CHECK from 0.4.0, STATUS and GC from 1.1.0), and the VERSION answer. Pure.
 */

/** Spec versions this plugin speaks, oldest first (the shim's list in native/cni/main.cc must match). */
export const SUPPORTED_VERSIONS = ['0.3.0', '0.3.1', '0.4.0', '1.0.0', '1.1.0'] as const;

/** One supported spec version. */
export type CniVersion = (typeof SUPPORTED_VERSIONS)[number];

/** The newest version, used when a caller names none (VERSION without input). */
export const LATEST_VERSION: CniVersion = '1.1.0';

/** The operations of the CNI protocol (CNI_COMMAND). */
export const CNI_COMMANDS = ['ADD', 'DEL', 'CHECK', 'STATUS', 'GC', 'VERSION'] as const;

/** One CNI operation. */
export type CniCommand = (typeof CNI_COMMANDS)[number];

/** The first spec version that defines each verb (ADD/DEL/VERSION predate every version we speak). */
const INTRODUCED: Record<CniCommand, string> = {
  ADD: '0.1.0',
  DEL: '0.1.0',
  VERSION: '0.1.0',
  CHECK: '0.4.0',
  STATUS: '1.1.0',
  GC: '1.1.0',
};

/** Parses `major.minor.patch` (semver core, no pre-release) or returns undefined. */
export function parseVersion(v: string): [number, number, number] | undefined {
  const m = /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)$/.exec(v);
  return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : undefined;
}

/** Orders two versions (negative, 0, positive); unparsable versions sort first. */
export function compareVersions(a: string, b: string): number {
  const x = parseVersion(a) ?? [-1, 0, 0];
  const y = parseVersion(b) ?? [-1, 0, 0];
  return x[0] - y[0] || x[1] - y[1] || x[2] - y[2];
}

/** Whether this plugin speaks `v`. */
export function isSupportedVersion(v: string): v is CniVersion {
  return (SUPPORTED_VERSIONS as readonly string[]).includes(v);
}

/** Whether `command` exists in spec version `v`. */
export function commandInVersion(command: CniCommand, v: string): boolean {
  return compareVersions(v, INTRODUCED[command]) >= 0;
}

/** The first version that has `command` (for error messages). */
export function introducedIn(command: CniCommand): string {
  return INTRODUCED[command];
}

/**
 * The newest version both sides speak, not newer than `ceiling` and not older than
 * `floor`; undefined when there is none. Used to talk to delegated plugins that lag behind.
 */
export function negotiate(theirs: readonly string[], ceiling: string, floor: string): string | undefined {
  const usable = theirs.filter((v) => parseVersion(v) && compareVersions(v, ceiling) <= 0 && compareVersions(v, floor) >= 0);
  usable.sort(compareVersions);
  return usable.at(-1);
}

/** The VERSION answer: `cniVersion` echoes the input's (spec 1.0: "the value of cniVersion specified on input"). */
export function versionResult(requested?: string): { cniVersion: string; supportedVersions: string[] } {
  return { cniVersion: requested || LATEST_VERSION, supportedVersions: [...SUPPORTED_VERSIONS] };
}
