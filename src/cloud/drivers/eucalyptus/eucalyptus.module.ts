import { Module } from '@nestjs/common';
import { DriverDefinition } from '../../driver-definition';
import { driverRegistration } from '../../driver-factory';
import type { AmazonOptions } from '../amazon/amazon.driver';
import { EucalyptusDriver } from './eucalyptus.driver';
import { eucalyptusOptionsSchema } from './eucalyptus-options';

export const eucalyptusDefinition: DriverDefinition<AmazonOptions> = {
  engine: 'eucalyptus',
  provider: 'Eucalyptus (or another EC2-compatible cloud)',
  options: eucalyptusOptionsSchema,
  create: ({ cloud, options, timeoutMs }) => new EucalyptusDriver({ cloud, timeoutMs }, options),
};

/** Eucalyptus and other EC2-compatible private clouds, through the amazon driver. */
@Module({ providers: [driverRegistration(eucalyptusDefinition)] })
export class EucalyptusDriverModule {}
