import type { z } from 'zod';
import type { StateStore } from '../store/state-store';
import type { ComputeDriver } from './driver/compute-driver';

/** What a driver module registers with the {@link DriverFactory}: one engine name, one definition. */
export interface DriverDefinition<Options = unknown> {
  /** The `engine` value in settings, e.g. "openstack". */
  engine: string;
  /** Human name of the provider, for docs and the clouds listing. */
  provider: string;
  /**
   * Validates one cloud's settings (credentials, extraParams) and turns them into the driver's options.
   * Issues are reported with their path, e.g. ["extraParams", "authUrl"].
   */
  options: z.ZodType<Options>;
  create(context: DriverContext<Options>): ComputeDriver;
}

export interface DriverContext<Options> {
  /** The cloud's configured name; drivers use it only in messages. */
  cloud: string;
  options: Options;
  /** The per-call bound from settings; drivers use it for their own socket timeouts. */
  timeoutMs: number;
  /** The service's state store, for drivers that keep state of their own (the dummy cloud with persist). */
  store?: StateStore;
}
