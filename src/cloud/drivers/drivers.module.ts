import { Module } from '@nestjs/common';
import { DummyDriverModule } from './dummy/dummy.module';

/** Every driver the service ships. Adding a provider: write its module, add it here. */
@Module({
  imports: [DummyDriverModule],
})
export class DriversModule {}
