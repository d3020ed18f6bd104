import { BadRequestException, LogLevel, ValidationError, ValidationPipe, VersioningType } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { ProblemException } from './api/problem/problem.exception';
import { ProblemFilter } from './api/problem/problem.filter';
import { AppModule, AppOptions } from './app.module';
import { setupOpenApi } from './openapi/openapi';

/** Request bodies above this are refused with 413 (user data is at most 64 KiB). */
export const BODY_LIMIT_BYTES = 256 * 1024;

export interface CreateAppOptions extends AppOptions {
  logger?: LogLevel[] | false;
}

/** Builds the fully configured application; main.ts, the e2e tests and the spec writer share it. */
export async function createApp(options: CreateAppOptions = {}): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({ bodyLimit: BODY_LIMIT_BYTES, trustProxy: false });
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(options), adapter, {
    logger: options.logger ?? ['log', 'warn', 'error'],
    abortOnError: false,
  });


  app.setGlobalPrefix('api', { exclude: ['health/live', 'health/ready'] });
  app.enableVersioning({ type: VersioningType.URI });
  app.useGlobalFilters(new ProblemFilter());
  app.useGlobalPipes(
    new ValidationPipe({
      whitelist: true,
      forbidNonWhitelisted: true,
      transform: true,
      exceptionFactory: validationProblem,
    }),
  );
  setupOpenApi(app);
  return app;
}

/** Validation failures as one 400 problem listing every field and why. */
function validationProblem(errors: ValidationError[]): BadRequestException {
  const fields = flatten(errors);
  const detail = fields.map((f) => f.message).join('; ') || 'the request is invalid';
  return new ProblemException(400, detail, { errors: fields }) as unknown as BadRequestException;
}

function flatten(errors: ValidationError[], prefix = ''): Array<{ field: string; message: string }> {
  return errors.flatMap((error) => {
    const field = prefix ? `${prefix}.${error.property}` : error.property;
    const own = Object.values(error.constraints ?? {}).map((message) => ({
      field,
      message: message.replace(/^property (\S+) should not exist$/, `unknown field "$1"`),
    }));
    return [...own, ...flatten(error.children ?? [], field)];
  });
}
