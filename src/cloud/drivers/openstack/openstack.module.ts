import { Module } from '@nestjs/common';
import { driverRegistration } from '../../driver-factory';
import { DriverDefinition } from '../../driver-definition';
import { OpenstackDriver } from './openstack.driver';
import { OpenstackOptions, openstackOptionsSchema } from './openstack-options';

export const openstackDefinition: DriverDefinition<OpenstackOptions> = {
  engine: 'openstack',
  provider: 'OpenStack (Keystone v3, Nova)',
  options: openstackOptionsSchema,
  create: ({ cloud, options, timeoutMs }) => new OpenstackDriver(options, { cloud, timeoutMs }),
};

/** OpenStack clouds: Keystone for the token and catalog, Nova for everything else. */
@Module({ providers: [driverRegistration(openstackDefinition)] })
export class OpenstackDriverModule {}
