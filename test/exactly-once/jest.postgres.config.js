// The exactly-once suites on PostgreSQL (run through run-postgres.sh, which starts the server): the
// same e2e suites as on SQLite, plus the PostgreSQL-only *.pg-spec.ts. Transforms as the root config.
const path = require('node:path');
const root = require('../../jest.config.js');
const { transform, transformIgnorePatterns, moduleFileExtensions, testEnvironment } = root.projects[0];

module.exports = {
  displayName: 'postgres',
  rootDir: path.join(__dirname, '..', '..'),
  testMatch: ['<rootDir>/test/exactly-once/**/*.e2e-spec.ts', '<rootDir>/test/exactly-once/**/*.pg-spec.ts'],
  testEnvironment,
  transform,
  transformIgnorePatterns,
  moduleFileExtensions,
  // One database: the suites run one after another.
  maxWorkers: 1,
  testTimeout: 60_000,
};
