import { Injectable, OnModuleInit } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { CloudRegistry } from '../cloud/cloud-registry';

/** Prometheus metrics of this process: HTTP, cloud calls, cloud health, and the process itself. */
@Injectable()
export class MetricsService implements OnModuleInit {
  /** A registry per app instance, so several apps in one process (tests) never collide. */
  readonly registry = new Registry();

  readonly httpDuration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request duration by method, route and status.',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });

  readonly cloudCallDuration = new Histogram({
    name: 'cloud_call_duration_seconds',
    help: 'Duration of calls to clouds by cloud, operation and outcome (ok or the error kind).',
    labelNames: ['cloud', 'operation', 'outcome'] as const,
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers: [this.registry],
  });

  readonly cloudCalls = new Counter({
    name: 'cloud_calls_total',
    help: 'Calls to clouds by cloud, operation and outcome.',
    labelNames: ['cloud', 'operation', 'outcome'] as const,
    registers: [this.registry],
  });

  readonly cloudUp = new Gauge({
    name: 'cloud_up',
    help: '1 when the last background check of the cloud succeeded, else 0.',
    labelNames: ['cloud'] as const,
    registers: [this.registry],
  });

  /** One series per cloud and state, 1 for the state the breaker is in now (the Prometheus enum idiom). */
  readonly cloudCircuit = new Gauge({
    name: 'cloud_circuit_state',
    help: "Each cloud's circuit breaker: 1 for its current state (closed, open, half-open), else 0.",
    labelNames: ['cloud', 'state'] as const,
    registers: [this.registry],
    collect: () => {
      for (const cloud of this.clouds.list()) {
        for (const state of ['closed', 'open', 'half-open'] as const) {
          this.cloudCircuit.set({ cloud: cloud.name, state }, cloud.circuit === state ? 1 : 0);
        }
      }
    },
  });

  constructor(private readonly clouds: CloudRegistry) {
    collectDefaultMetrics({ register: this.registry });
  }

  onModuleInit(): void {
    this.clouds.onCall(({ cloud, operation, durationMs, outcome }) => {
      this.cloudCallDuration.observe({ cloud, operation, outcome }, durationMs / 1000);
      this.cloudCalls.inc({ cloud, operation, outcome });
    });
  }
}
