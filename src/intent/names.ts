/** The rule every name in an intent obeys (tenants, networks, containers, hosts). */

import type { Problem } from './types.js';

/** Names become parts of ids and store keys joined by '/', so '/' and whitespace are refused. */
const NAME_OK = /^[^\s/]+$/;

/** Reports a name that cannot serve as an id segment (empty names are parse's "must not be empty"). */
export function checkName(name: string, path: string, problems: Problem[]): void {
  if (name !== '' && !NAME_OK.test(name)) problems.push({ path, reason: `name "${name}" must not contain '/' or whitespace` });
}
