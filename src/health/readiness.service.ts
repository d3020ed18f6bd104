import { BeforeApplicationShutdown, Injectable, OnApplicationBootstrap } from '@nestjs/common';

/** Ready once the app has bootstrapped, not ready again from the moment shutdown begins. */
@Injectable()
export class ReadinessService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private state: 'starting' | 'ready' | 'stopping' = 'starting';

  onApplicationBootstrap(): void {
    this.state = 'ready';
  }

  beforeApplicationShutdown(): void {
    this.state = 'stopping';
  }

  /** Called on SIGTERM before Nest's own shutdown, so probes see 503 at once. */
  markStopping(): void {
    this.state = 'stopping';
  }

  get current(): 'starting' | 'ready' | 'stopping' {
    return this.state;
  }
}
