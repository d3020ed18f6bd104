import { Module } from '@nestjs/common';
import { DriverDefinition } from '../../driver-definition';
import { driverRegistration } from '../../driver-factory';
import { amazonOptionsSchema } from './amazon-options';
import { AmazonDriver, AmazonOptions } from './amazon.driver';

export const amazonDefinition: DriverDefinition<AmazonOptions> = {
  engine: 'amazon',
  provider: 'Amazon EC2',
  options: amazonOptionsSchema,
  create: ({ cloud, options, timeoutMs }) => new AmazonDriver({ cloud, timeoutMs }, options),
};

/** Amazon EC2 (or any EC2 Query API endpoint), through pkgcloud's amazon client. */
@Module({ providers: [driverRegistration(amazonDefinition)] })
export class AmazonDriverModule {}
