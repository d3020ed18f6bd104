import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FIXTURES_DIR } from './fixture-server';

/**
 * The recorded Rackspace Identity v2.0 answer, with the catalog's Cloud Servers endpoints moved onto a
 * fixture server: https://iad.servers.api.rackspacecloud.com/v2/123456 becomes <url>/iad/v2/123456.
 */
export function rackspaceTokens(fixtureUrl: string): unknown {
  return JSON.parse(
    readFileSync(join(FIXTURES_DIR, 'rackspace/identity-tokens.json'), 'utf8').replace(
      /https:\/\/(\w+)\.servers\.api\.rackspacecloud\.com/g,
      `${fixtureUrl}/$1`,
    ),
  );
}
