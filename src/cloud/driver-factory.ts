import { Inject, Injectable, Optional, Provider } from '@nestjs/common';
import { STATE_STORE } from '../store/state-store';
import type { StateStore } from '../store/state-store';
import { ConfigError, describeIssues } from '../config/config-error';
import type { CloudSettings } from '../config/settings.schema';
import type { DriverDefinition } from './driver-definition';
import type { ComputeDriver } from './driver/compute-driver';

/**
 * Maps engine names to driver definitions. Each driver module registers itself here when it is
 * instantiated, so adding a provider is one module plus one line in DriversModule.
 */
@Injectable()
export class DriverFactory {
  private readonly definitions = new Map<string, DriverDefinition<any>>();

  constructor(@Optional() @Inject(STATE_STORE) private readonly store?: StateStore) {}

  register(definition: DriverDefinition<any>): void {
    if (this.definitions.has(definition.engine)) {
      throw new Error(`engine "${definition.engine}" is registered twice`);
    }
    this.definitions.set(definition.engine, definition);
  }

  engines(): string[] {
    return [...this.definitions.keys()].sort();
  }

  definition(engine: string): DriverDefinition<any> | undefined {
    return this.definitions.get(engine);
  }

  /** Validates one cloud's settings against its engine and builds the driver; throws ConfigError. */
  create(cloud: string, settings: CloudSettings): ComputeDriver {
    const definition = this.definitions.get(settings.engine);
    if (!definition) {
      throw new ConfigError(
        `invalid configuration:\nclouds.${cloud}.engine: unknown engine "${settings.engine}"; engines: ${this.engines().join(', ')}`,
      );
    }
    const parsed = definition.options.safeParse(settings);
    if (!parsed.success) {
      throw new ConfigError(`invalid configuration:\n${describeIssues(`clouds.${cloud}`, parsed.error.issues)}`);
    }
    return definition.create({ cloud, options: parsed.data, timeoutMs: settings.timeoutMs, store: this.store });
  }
}

/**
 * The one provider a driver module declares: it registers the driver's definition with the factory
 * when Nest builds the module. `@Module({ providers: [driverRegistration(definition)] })`.
 */
export function driverRegistration(definition: DriverDefinition<any>): Provider {
  return {
    provide: `driver-registration:${definition.engine}`,
    useFactory: (factory: DriverFactory) => {
      factory.register(definition);
      return definition;
    },
    inject: [DriverFactory],
  };
}
