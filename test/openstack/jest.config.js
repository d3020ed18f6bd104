// The OpenStack integration suite: needs the loopback stack of up.sh (run it through run.sh).
// Not part of the default projects, which ignore test/openstack/; transforms as the root config.
const path = require('node:path');
const root = require('../../jest.config.js');
const { transform, transformIgnorePatterns, moduleFileExtensions, testEnvironment } = root.projects[0];

module.exports = {
  displayName: 'openstack',
  rootDir: path.join(__dirname, '..', '..'),
  testMatch: ['<rootDir>/test/openstack/**/*.int-spec.ts'],
  testEnvironment,
  transform,
  transformIgnorePatterns,
  moduleFileExtensions,
  // Servers boot in about a second on the fake virt driver; the whole suite takes well under this.
  testTimeout: 120_000,
};
