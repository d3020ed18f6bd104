import type { NodeFilter } from '../../driver/compute-driver';

/** Name characters passed to Nova as they are ("." escaped); anything else is left to the service. */
const PLAIN_NAME = /^[A-Za-z0-9 _.-]+$/;

/**
 * Nova's `name` query for a name filter: Nova matches it as a regular expression in its database
 * (Python re, MySQL or PostgreSQL regexes; MySQL's ignore case), so it may return more servers
 * than match, never fewer. Names with other characters are not sent: a regex dialect could read
 * them differently and drop a match. The `status` query is not used: a v1 state also depends on
 * the task_state (an ACTIVE server may be `stopping`), so no status list is exactly a v1 state.
 */
export function novaNameQuery(filter: NodeFilter | undefined): string | undefined {
  const name = filter?.name;
  if (!name) return undefined;
  const text = 'exact' in name ? name.exact : name.prefix;
  if (!PLAIN_NAME.test(text)) return undefined;
  const pattern = `^${text.replace(/\./g, '\\.')}`;
  return 'exact' in name ? `${pattern}$` : pattern;
}
