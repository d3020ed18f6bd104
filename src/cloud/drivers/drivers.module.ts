import { Module } from '@nestjs/common';
import { AmazonDriverModule } from './amazon/amazon.module';
import { DummyDriverModule } from './dummy/dummy.module';
import { EucalyptusDriverModule } from './eucalyptus/eucalyptus.module';

/** Every driver the service ships. Adding a provider: write its module, add it here. */
@Module({
  imports: [DummyDriverModule, AmazonDriverModule, EucalyptusDriverModule],
})
export class DriversModule {}
