import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { BACKGROUND_OPERATIONS } from '../cloud/background-operations';
import { CloudRegistry } from '../cloud/cloud-registry';

/** One log line per cloud call: cloud, operation, duration and outcome (never arguments). */
@Injectable()
export class CloudCallLogger implements OnModuleInit {
  private readonly logger = new Logger('CloudCall');

  constructor(private readonly clouds: CloudRegistry) {}

  onModuleInit(): void {
    this.clouds.onCall(({ cloud, operation, durationMs, outcome }) => {
      const line = { cloud, operation, durationMs: Math.round(durationMs * 10) / 10, outcome };
      const text = `${cloud}: ${operation} ${outcome} in ${line.durationMs} ms`;
      // Background calls repeat every interval for every cloud: a passing one is routine (debug); a
      // failing one is news (warn), as is every failing call.
      // A call abandoned because its client hung up is the client's doing: info, like a passing call.
      if (outcome !== 'ok' && outcome !== 'cancelled') this.logger.warn(line, text);
      else if (BACKGROUND_OPERATIONS.has(operation)) this.logger.debug(line, text);
      else this.logger.log(line, text);
    });
  }
}
