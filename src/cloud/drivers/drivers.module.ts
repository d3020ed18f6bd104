import { Module } from '@nestjs/common';
import { AmazonDriverModule } from './amazon/amazon.module';
import { DigitalOceanDriverModule } from './digitalocean/digitalocean.module';
import { DummyDriverModule } from './dummy/dummy.module';
import { EucalyptusDriverModule } from './eucalyptus/eucalyptus.module';
import { OpenstackDriverModule } from './openstack/openstack.module';
import { RackspaceDriverModule } from './rackspace/rackspace.module';

/** Every driver the service ships. Adding a provider: write its module, add it here. */
@Module({
  imports: [
    DummyDriverModule,
    DigitalOceanDriverModule,
    OpenstackDriverModule,
    AmazonDriverModule,
    EucalyptusDriverModule,
    RackspaceDriverModule,
  ],
})
export class DriversModule {}
