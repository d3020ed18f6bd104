import { Injectable, Module } from '@nestjs/common';
import { DriverDefinition } from '../../driver-definition';
import { DriverFactory } from '../../driver-factory';
import type { AmazonOptions } from '../amazon/amazon.driver';
import { EucalyptusDriver } from './eucalyptus.driver';
import { eucalyptusOptionsSchema } from './eucalyptus-options';

export const eucalyptusDefinition: DriverDefinition<AmazonOptions> = {
  engine: 'eucalyptus',
  provider: 'Eucalyptus (or another EC2-compatible cloud)',
  options: eucalyptusOptionsSchema as unknown as DriverDefinition<AmazonOptions>['options'],
  create: ({ cloud, options, timeoutMs }) => new EucalyptusDriver({ cloud, timeoutMs }, options),
};

@Injectable()
class EucalyptusRegistration {
  constructor(factory: DriverFactory) {
    factory.register(eucalyptusDefinition);
  }
}

/** Eucalyptus and other EC2-compatible private clouds, through the amazon driver. */
@Module({ providers: [EucalyptusRegistration] })
export class EucalyptusDriverModule {}
