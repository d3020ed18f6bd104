import { Injectable, Module } from '@nestjs/common';
import { DriverDefinition } from '../../driver-definition';
import { DriverFactory } from '../../driver-factory';
import { amazonOptionsSchema } from './amazon-options';
import { AmazonDriver, AmazonOptions } from './amazon.driver';

export const amazonDefinition: DriverDefinition<AmazonOptions> = {
  engine: 'amazon',
  provider: 'Amazon EC2',
  options: amazonOptionsSchema as unknown as DriverDefinition<AmazonOptions>['options'],
  create: ({ cloud, options, timeoutMs }) => new AmazonDriver({ cloud, timeoutMs }, options),
};

@Injectable()
class AmazonRegistration {
  constructor(factory: DriverFactory) {
    factory.register(amazonDefinition);
  }
}

/** Amazon EC2 (or any EC2 Query API endpoint), through pkgcloud's amazon client. */
@Module({ providers: [AmazonRegistration] })
export class AmazonDriverModule {}
