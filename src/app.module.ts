import { DynamicModule, Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { V1Module } from './api/v1/v1.module';
import { CloudModule } from './cloud/cloud.module';
import { DriversModule } from './cloud/drivers/drivers.module';
import { loadSettings, LoadOptions, validateSettings } from './config/settings.loader';
import { HealthModule } from './health/health.module';

export interface AppOptions {
  /** Settings as an object (tests, embedding); otherwise read from config/ and the environment. */
  settings?: unknown;
  load?: LoadOptions;
}

@Module({})
export class AppModule {
  static forRoot(options: AppOptions = {}): DynamicModule {
    const settings = options.settings !== undefined ? validateSettings(options.settings) : loadSettings(options.load);
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot({ isGlobal: true, ignoreEnvFile: true, load: [() => ({ settings })] }),
        CloudModule,
        DriversModule,
        V1Module,
        HealthModule,
      ],
    };
  }
}
