import { Global, Module } from '@nestjs/common';
import { CloudRegistry } from './cloud-registry';
import { DriverFactory } from './driver-factory';

/** Provides the DriverFactory that driver modules register with, and the registry of configured clouds. */
@Global()
@Module({
  providers: [DriverFactory, CloudRegistry],
  exports: [DriverFactory, CloudRegistry],
})
export class CloudModule {}
