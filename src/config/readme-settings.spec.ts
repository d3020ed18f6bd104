import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { settingsSchema } from './settings.schema';

/** The README's settings example, which says its http, health and rateLimit values are the defaults. */
function readmeSettingsExample(): Record<string, Record<string, unknown>> {
  const readme = readFileSync(join(__dirname, '..', '..', 'README.md'), 'utf8');
  const blocks = [...readme.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]);
  const settings = blocks.find((b) => b.includes('shutdownDelayMs'));
  const rateLimit = blocks.find((b) => b.startsWith('rateLimit:'));
  if (!settings || !rateLimit) throw new Error('README lost its settings examples');
  return { ...parse(settings), ...parse(rateLimit) };
}

describe('README settings example', () => {
  const defaults = settingsSchema.parse({ clouds: { default: { engine: 'dummy' } } }) as unknown as Record<
    string,
    Record<string, unknown>
  >;
  const example = readmeSettingsExample();

  it.each(['http', 'health', 'rateLimit'])('shows the config schema defaults for %s', (section) => {
    const shown = { ...example[section] };
    if (section === 'rateLimit') delete shown.perKey; // an example of a per-key override, there is no default
    expect(Object.keys(shown).length).toBeGreaterThan(1);
    for (const [key, value] of Object.entries(shown))
      expect({ section, key, value }).toEqual({ section, key, value: defaults[section][key] });
  });
});
