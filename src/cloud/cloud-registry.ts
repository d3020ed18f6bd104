import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { defaultCloudName } from '../config/settings.loader';
import type { Settings } from '../config/settings.schema';
import { CloudCallEvent, CloudHandle } from './cloud-handle';
import { DriverFactory } from './driver-factory';

/**
 * The configured clouds, built once all driver modules have registered (application bootstrap),
 * so a configuration naming an unknown engine or missing a field stops the service at boot.
 */
@Injectable()
export class CloudRegistry implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Clouds');
  private readonly handles = new Map<string, CloudHandle>();
  private defaultName = '';
  private readonly observers: Array<(event: CloudCallEvent) => void> = [];

  constructor(
    private readonly factory: DriverFactory,
    @Inject(ConfigService) private readonly config: ConfigService,
  ) {}

  onApplicationBootstrap(): void {
    const settings = this.config.getOrThrow<Settings>('settings');
    this.defaultName = defaultCloudName(settings.clouds);
    for (const [name, cloud] of Object.entries(settings.clouds)) {
      const driver = this.factory.create(name, cloud);
      const provider = this.factory.definition(cloud.engine)!.provider;
      this.handles.set(
        name,
        new CloudHandle(
          name,
          cloud.engine,
          provider,
          name === this.defaultName,
          driver,
          cloud.timeoutMs,
          (event) => this.observers.forEach((observe) => observe(event)),
          cloud.resilience,
        ),
      );
    }
    // One line per cloud: its name and engine only (settings can hold credentials).
    for (const cloud of this.list()) {
      const fields = { cloud: cloud.name, engine: cloud.engine, default: cloud.isDefault };
      this.logger.log(fields, `cloud ${cloud.name}: ${cloud.engine}${cloud.isDefault ? ' (default)' : ''}`);
      if (cloud.engine === 'dummy' && process.env.NODE_ENV === 'production')
        this.logger.warn(
          fields,
          `cloud ${cloud.name} is the in-memory dummy cloud in production (NODE_ENV=production): its nodes are ` +
            'not real and are lost on restart. Configure real clouds in CONFIG_FILE (see README, "Configuring clouds").',
        );
    }
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.allSettled(this.list().map((handle) => handle.driver.close()));
  }

  /** Subscribe to every cloud call (metrics, logs). */
  onCall(observer: (event: CloudCallEvent) => void): void {
    this.observers.push(observer);
  }

  list(): CloudHandle[] {
    return [...this.handles.values()];
  }

  /** A cloud by name; `default` also finds the default cloud when none is literally named so. */
  get(name: string): CloudHandle | undefined {
    return this.handles.get(name) ?? (name === 'default' ? this.handles.get(this.defaultName) : undefined);
  }
}
