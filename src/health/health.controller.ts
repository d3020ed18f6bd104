import { Controller, Get, Inject, VERSION_NEUTRAL } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, HealthIndicatorService } from '@nestjs/terminus';
import { withTimeout } from '../cloud/driver/with-timeout';
import { STATE_STORE } from '../store/state-store';
import type { StateStore } from '../store/state-store';
import { CloudHealthReportDto } from './cloud-health.dto';
import { CloudHealthService } from './cloud-health.service';
import { ReadinessService } from './readiness.service';

/** How long readiness waits for the state store's answer. */
const STORE_CHECK_MS = 2_000;

/** Probes for Kubernetes. Neither calls a cloud: a cloud being down must not restart or unready pods. */
@ApiTags('health')
@Controller({ path: 'health', version: VERSION_NEUTRAL })
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    private readonly readiness: ReadinessService,
    private readonly cloudHealth: CloudHealthService,
    @Inject(STATE_STORE) private readonly store: StateStore,
  ) {}

  @Get('live')
  @HealthCheck()
  @ApiOperation({
    operationId: 'getLiveness',
    summary: 'Liveness: the process answers',
    description: 'For liveness and startup probes. Calls no cloud, so a cloud outage never restarts a pod.',
    security: [],
  })
  live() {
    return this.health.check([
      async () => this.indicators.check('process').up({ uptimeSeconds: Math.round(process.uptime()) }),
    ]);
  }

  @Get('ready')
  @HealthCheck()
  @ApiOperation({
    operationId: 'getReadiness',
    summary: 'Readiness: 503 while starting, shutting down, or while the state store is unreachable',
    description:
      'For readiness probes: 503 from SIGTERM on, so load balancers stop sending before the pod drains, and while ' +
      'the state store (SQLite or PostgreSQL) does not answer a trivial query within 2 s (`details.store`). Calls no cloud.',
    security: [],
  })
  ready() {
    return this.health.check([
      async () => {
        const state = this.readiness.current;
        const check = this.indicators.check('service');
        return state === 'ready' ? check.up({ state }) : check.down({ state });
      },
      async () => {
        const check = this.indicators.check('store');
        try {
          await withTimeout(
            this.store.ping(),
            STORE_CHECK_MS,
            () => new Error(`no answer within ${STORE_CHECK_MS} ms`),
          );
          return check.up({ dialect: this.store.dialect });
        } catch (error) {
          return check.down({ dialect: this.store.dialect, error: `unreachable: ${(error as Error).message}` });
        }
      },
    ]);
  }

  @Get('clouds')
  @ApiOperation({
    operationId: 'getCloudHealth',
    security: [],
    summary: 'Each cloud: up or down, latency and error, from background checks',
    description:
      'For dashboards and alerts, not for probes: always 200; `degraded` when any cloud is down. Results are cached and refreshed in the background.',
  })
  @ApiOkResponse({ type: CloudHealthReportDto })
  clouds(): CloudHealthReportDto {
    return this.cloudHealth.snapshot();
  }
}
