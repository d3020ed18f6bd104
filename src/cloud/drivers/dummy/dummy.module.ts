import { Module } from '@nestjs/common';
import { z } from 'zod';
import { driverRegistration } from '../../driver-factory';
import { DriverDefinition } from '../../driver-definition';
import { DummyIdSequence } from './dummy-id-sequence';
import { DummyNodeStore } from './dummy-node-store';
import { DummyDriver } from './dummy.driver';

const faults = z
  .object({
    /** Every Nth create on this cloud is refused with a 422 problem. */
    createFailEvery: z.number().int().min(0).max(1_000_000).default(0),
    /** Every Nth created node goes to `error` instead of `running`. */
    errorStateEvery: z.number().int().min(0).max(1_000_000).default(0),
    /** Creates never answer (bounded by the cloud's timeoutMs). */
    hangCreate: z.boolean().default(false),
  })
  .strict();

const extraParams = z
  .object({
    nodes: z.number().int().min(0).max(100_000).default(0),
    transitionMs: z.number().int().min(0).max(600_000).default(500),
    latencyMs: z.number().int().min(0).max(600_000).default(0),
    failingImages: z.array(z.string().min(1)).default([]),
    createAnswerDelayMs: z.number().int().min(0).max(600_000).default(0),
    /** Sizes listed with no price (to show cost previews with unpriced members). */
    unpricedSizes: z.array(z.string().min(1)).default([]),
    /** Fault injection, off by default. */
    faults: faults.optional(),
    /** Keep this cloud's nodes in the service's state store, so they survive a restart. */
    persist: z.boolean().default(false),
  })
  .strict();

export type DummySettings = z.infer<typeof extraParams>;

const options = z
  .object({ extraParams: extraParams.default(extraParams.parse({})) })
  .transform((s): DummySettings => s.extraParams);

export const dummyDefinition: DriverDefinition<DummySettings> = {
  engine: 'dummy',
  provider: 'Built-in in-memory cloud',
  options,
  create: ({ cloud, options, store }) => {
    const { persist, faults: injected, ...rest } = options;
    if (persist && !store) throw new Error(`cloud ${cloud}: extraParams.persist needs the service's state store`);
    return new DummyDriver({
      ...rest,
      faults: injected,
      persistence: persist && store ? new DummyNodeStore(store.db, cloud) : undefined,
      // Every dummy cloud, in memory or not, takes its node numbers from the store when there is one.
      ids: store ? new DummyIdSequence(store.db, cloud) : undefined,
    });
  },
};

/** The built-in in-memory cloud: the default, and the demo. */
@Module({ providers: [driverRegistration(dummyDefinition)] })
export class DummyDriverModule {}
