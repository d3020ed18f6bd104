import { Module } from '@nestjs/common';
import { z } from 'zod';
import { driverRegistration } from '../../driver-factory';
import { DriverDefinition } from '../../driver-definition';
import { DummyDriver, DummyOptions } from './dummy.driver';

const options = z
  .object({
    extraParams: z
      .object({
        nodes: z.number().int().min(0).max(100_000).default(0),
        transitionMs: z.number().int().min(0).max(600_000).default(500),
        latencyMs: z.number().int().min(0).max(600_000).default(0),
        failingImages: z.array(z.string().min(1)).default([]),
        createAnswerDelayMs: z.number().int().min(0).max(600_000).default(0),
      })
      .strict()
      .default({ nodes: 0, transitionMs: 500, latencyMs: 0, failingImages: [], createAnswerDelayMs: 0 }),
  })
  .transform((s): DummyOptions => s.extraParams);

export const dummyDefinition: DriverDefinition<DummyOptions> = {
  engine: 'dummy',
  provider: 'Built-in in-memory cloud',
  options,
  create: ({ options }) => new DummyDriver(options),
};

/** The built-in in-memory cloud: the default, and the demo. */
@Module({ providers: [driverRegistration(dummyDefinition)] })
export class DummyDriverModule {}
