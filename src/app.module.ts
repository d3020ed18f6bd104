import { DynamicModule, Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { LoggerModule } from 'nestjs-pino';
import { V1Module } from './api/v1/v1.module';
import { CloudModule } from './cloud/cloud.module';
import { DriversModule } from './cloud/drivers/drivers.module';
import type { Settings } from './config/settings.schema';
import { CursorsModule } from './cursors/cursor-seal';
import { HealthModule } from './health/health.module';
import { loggerParams } from './observability/logging';
import { ObservabilityModule } from './observability/observability.module';
import { spanExporterModule } from './observability/tracing.service';
import type { SpanExporter } from '@opentelemetry/sdk-trace-base';
import { StoreModule } from './store/store.module';

@Module({})
export class AppModule {
  /** Settings are loaded and validated before the module is built (see app.factory.ts). */
  static forRoot(settings: Settings, options: { silent?: boolean; spanExporter?: SpanExporter } = {}): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot({ isGlobal: true, ignoreEnvFile: true, load: [() => ({ settings })] }),
        LoggerModule.forRoot(loggerParams(options)),
        StoreModule,
        CursorsModule,
        CloudModule,
        DriversModule,
        ObservabilityModule,
        ...(options.spanExporter ? [spanExporterModule(options.spanExporter)] : []),
        V1Module,
        HealthModule,
      ],
    };
  }
}
