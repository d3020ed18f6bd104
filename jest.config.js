// Two projects: fast unit specs colocated with the code, and e2e suites under test/ that boot the app.
// @nestjs 12 ships ESM only, so those packages are transformed too (see TOOLCHAIN-NOTES).
const swc = [
  '@swc/jest',
  {
    jsc: {
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true },
      target: 'es2022',
    },
    module: { type: 'commonjs' },
  },
];
const shared = {
  testEnvironment: 'node',
  transform: { '^.+\\.(t|j|mj)s$': swc },
  transformIgnorePatterns: [
    '/node_modules/(?!.*(?:@nestjs|content-disposition|cookie|file-type|strtok3|token-types|uint8array-extras|@tokenizer|@borewit)/)',
  ],
  moduleFileExtensions: ['ts', 'js', 'mjs', 'json'],
};
module.exports = {
  projects: [
    { ...shared, displayName: 'unit', rootDir: 'src', testMatch: ['**/*.spec.ts'] },
    {
      ...shared,
      displayName: 'e2e',
      rootDir: '.',
      // Suites boot the app (and some the built service) in hooks; on a loaded 2-core CI machine that can
      // take longer than jest's 5 s default. This bounds hangs; no test asserts on wall-clock time.
      testTimeout: 30_000,
      testMatch: ['<rootDir>/test/**/*.e2e-spec.ts'],
      testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/openstack/'],
    },
  ],
};
