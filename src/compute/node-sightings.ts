import { Injectable } from '@nestjs/common';
import type { NodeView } from './compute.service';

/**
 * What the service does with the nodes it sees: the operations module answers for the operations
 * that wait on those nodes (registered at boot; compute cannot depend on operations, which reads
 * the clouds through compute).
 */
export interface NodeObserver {
  /**
   * Nodes the service just read or got back from a write, from a cloud call that started at `readAt`
   * (epoch ms). Must be cheap when nothing waits on them: undefined then, and a promise only while an
   * operation is being completed from what was seen (settled when that is recorded; never rejects).
   */
  seen(nodes: readonly NodeView[], readAt: number): Promise<void> | undefined;
  /**
   * The service is about to destroy a node. Resolves to what to do once the cloud accepted the destroy
   * (undefined: nothing); neither it nor the returned step ever rejects, so a destroy never fails for them.
   */
  destroying(cloud: string, nodeId: string): Promise<(() => Promise<void>) | undefined>;
}

/** Where ComputeService reports the nodes it sees; without a registered observer, nothing happens. */
@Injectable()
export class NodeSightings {
  private observer?: NodeObserver;

  register(observer: NodeObserver): void {
    this.observer = observer;
  }

  seen(nodes: readonly NodeView[], readAt: number): Promise<void> | undefined {
    return this.observer?.seen(nodes, readAt);
  }

  async destroying(cloud: string, nodeId: string): Promise<(() => Promise<void>) | undefined> {
    return this.observer?.destroying(cloud, nodeId);
  }
}
