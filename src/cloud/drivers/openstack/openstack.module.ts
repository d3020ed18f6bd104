import { Injectable, Module } from '@nestjs/common';
import { DriverFactory } from '../../driver-factory';
import { DriverDefinition } from '../../driver-definition';
import { OpenstackDriver } from './openstack.driver';
import { OpenstackOptions, openstackOptionsSchema } from './openstack-options';

export const openstackDefinition: DriverDefinition<OpenstackOptions> = {
  engine: 'openstack',
  provider: 'OpenStack (Keystone v3, Nova)',
  options: openstackOptionsSchema as unknown as DriverDefinition<OpenstackOptions>['options'],
  create: ({ cloud, options, timeoutMs }) => new OpenstackDriver(options, { cloud, timeoutMs }),
};

@Injectable()
class OpenstackRegistration {
  constructor(factory: DriverFactory) {
    factory.register(openstackDefinition);
  }
}

/** OpenStack clouds: Keystone for the token and catalog, Nova for everything else. */
@Module({ providers: [OpenstackRegistration] })
export class OpenstackDriverModule {}
