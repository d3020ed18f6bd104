import { novaNameQuery } from './nova-filters';

describe('novaNameQuery', () => {
  it.each([
    [{ name: { exact: 'web-1' } }, '^web-1$'],
    [{ name: { prefix: 'web-' } }, '^web-'],
    [{ name: { exact: 'db.example_2 a' } }, '^db\\.example_2 a$'],
    [{ name: { prefix: 'itest-42-x.' } }, '^itest-42-x\\.'],
  ])('anchors %j as %s', (filter, query) => {
    expect(novaNameQuery(filter)).toBe(query);
    // The pattern, read as a regex, matches exactly what the filter does (on the examples).
    const re = new RegExp(query);
    const text = 'exact' in filter.name ? filter.name.exact : filter.name.prefix;
    expect(re.test(text)).toBe(true);
    expect(re.test(`x${text}`)).toBe(false);
  });

  it.each([
    [undefined],
    [{}],
    [{ states: ['running' as const] }],
    [{ name: { exact: 'web[1]' } }],
    [{ name: { prefix: 'a+b' } }],
    [{ name: { exact: 'über' } }],
  ])('leaves %j to the service', (filter) => {
    expect(novaNameQuery(filter)).toBeUndefined();
  });
});
