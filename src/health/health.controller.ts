import { Controller, Get, VERSION_NEUTRAL } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, HealthIndicatorService } from '@nestjs/terminus';
import { CloudHealthReportDto } from './cloud-health.dto';
import { CloudHealthService } from './cloud-health.service';
import { ReadinessService } from './readiness.service';
import { StoreHealthService } from './store-health.service';

/** Probes for Kubernetes. Neither calls a cloud: a cloud being down must not restart or unready pods. */
@ApiTags('health')
@Controller({ path: 'health', version: VERSION_NEUTRAL })
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    private readonly readiness: ReadinessService,
    private readonly cloudHealth: CloudHealthService,
    private readonly storeHealth: StoreHealthService,
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
      'the state store (SQLite or PostgreSQL) is unreachable (`details.store`). The store is checked in the ' +
      'background (a trivial query every `health.storeCheckIntervalMs`, 1 s by default, bounded by ' +
      '`health.storeCheckTimeoutMs`, 2 s), so a lost store turns this 503 within their sum. Calls no cloud.',
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
        const { status, ...verdict } = this.storeHealth.verdict;
        const check = this.indicators.check('store');
        return status === 'up' ? check.up(verdict) : check.down(verdict);
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
