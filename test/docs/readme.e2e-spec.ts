import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Test } from '@nestjs/testing';
import { CloudModule } from '../../src/cloud/cloud.module';
import { DriverFactory } from '../../src/cloud/driver-factory';
import { DriversModule } from '../../src/cloud/drivers/drivers.module';
import { ConfigModule } from '@nestjs/config';

const README = readFileSync(join(__dirname, '..', '..', 'README.md'), 'utf8');

/** The README's driver table and the drivers actually registered must be the same list. */
describe('README', () => {
  it('lists exactly the engines the service registers', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [
        ConfigModule.forRoot({ ignoreEnvFile: true, isGlobal: true, load: [() => ({ settings: { clouds: {} } })] }),
        CloudModule,
        DriversModule,
      ],
    }).compile();
    const engines = moduleRef.get(DriverFactory).engines();
    const table = README.slice(README.indexOf('## Drivers'), README.indexOf('### Adding a driver'));
    const documented = [...table.matchAll(/^\| `([a-z]+)` \|/gm)].map((m) => m[1]).sort();
    expect(documented).toEqual(engines);
    expect(engines).toEqual(['amazon', 'digitalocean', 'dummy', 'eucalyptus', 'openstack', 'rackspace']);
  });

  it('shows the two quick-start commands', () => {
    expect(README).toContain('npm ci && npm start');
    expect(README).toMatch(/^npm test\b/m);
  });
});
