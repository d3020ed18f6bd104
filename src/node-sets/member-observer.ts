import { Injectable } from '@nestjs/common';
import { runDetached } from '../cloud/call-scope';
import { CloudError } from '../cloud/driver/cloud-error';
import { ComputeService, NodeView } from '../compute/compute.service';
import { isMemberNode } from './member-identity';
import { MemberSighting, nodeSetView, NodeSetView } from './node-set-view';
import type { MemberRecord, NodeSetRecord } from './node-set.model';

/** What one read of a cloud gave: its nodes by id, or why it could not be read. */
type CloudRead = { nodes: Map<string, NodeView> } | { error: string };

/**
 * Reads of node sets that tell the truth about their members: the members of a `ready` set (the
 * state in which the journal no longer follows them) are looked up in their clouds at read time.
 * Each cloud is listed once per read however many members and sets it holds (the operation
 * watcher's one-listing-per-cloud rule: the cost follows the clouds, not the members), and concurrent
 * reads share one listing in flight. A member the listing lacks is asked for by id before it is
 * called gone (the listing is capped, and some clouds list late), and a node under a member's id
 * without its set's mark is not the member (clouds reuse ids): the member is gone; a cloud that cannot be read marks
 * its members `unknown` with the reason and does not fail the read. Every call is bounded by the
 * cloud's timeout, as any request to it.
 */
@Injectable()
export class MemberObserver {
  private readonly reads = new Map<string, Promise<CloudRead>>();

  constructor(private readonly compute: ComputeService) {}

  async view(set: NodeSetRecord, members: MemberRecord[]): Promise<NodeSetView> {
    return (await this.views([{ set, members }]))[0];
  }

  /** The views of several sets (a page), each cloud listed at most once for all of them. */
  async views(sets: Array<{ set: NodeSetRecord; members: MemberRecord[] }>): Promise<NodeSetView[]> {
    const watched = sets.filter((s) => s.set.state === 'ready');
    const clouds = new Set(watched.flatMap((s) => s.members.filter((m) => m.nodeId).map((m) => m.cloud)));
    const reads = new Map(await Promise.all([...clouds].map(async (c) => [c, await this.read(c)] as const)));
    return Promise.all(
      sets.map(async ({ set, members }) =>
        set.state === 'ready' ? nodeSetView(set, members, await this.sight(members, reads)) : nodeSetView(set, members),
      ),
    );
  }

  private async sight(members: MemberRecord[], reads: Map<string, CloudRead>): Promise<Map<number, MemberSighting>> {
    const seen = new Map<number, MemberSighting>();
    await Promise.all(
      members.map(async (m) => {
        if (!m.nodeId) return;
        const read = reads.get(m.cloud)!;
        if ('error' in read) {
          seen.set(m.idx, { nodeState: 'unknown', error: read.error });
          return;
        }
        const listed = read.nodes.get(m.nodeId);
        seen.set(m.idx, listed ? this.sighting(m, listed) : await this.lookUp(m));
      }),
    );
    return seen;
  }

  private async lookUp(m: MemberRecord): Promise<MemberSighting> {
    try {
      return this.sighting(m, await this.compute.getNode(m.cloud, m.nodeId!));
    } catch (error) {
      if (CloudError.is(error) && error.kind === 'not_found') return { nodeState: 'gone' };
      return { nodeState: 'unknown', error: reason(m.cloud, error) };
    }
  }

  /** A node under the member's id without its set's mark is another node: the member is gone. */
  private sighting(m: MemberRecord, node: NodeView): MemberSighting {
    return { nodeState: isMemberNode(this.compute, m, node) ? node.state : 'gone' };
  }

  private read(cloud: string): Promise<CloudRead> {
    let read = this.reads.get(cloud);
    if (!read) {
      // Detached: concurrent reads share this listing, so no one caller leaving may cancel it.
      read = runDetached(() => this.compute.allNodesOfCloud(cloud))
        .then(
          (nodes): CloudRead => ({ nodes: new Map(nodes.map((n) => [n.id, n])) }),
          (error: unknown): CloudRead => ({ error: reason(cloud, error) }),
        )
        .finally(() => this.reads.delete(cloud));
      this.reads.set(cloud, read);
    }
    return read;
  }
}

function reason(cloud: string, error: unknown): string {
  const cause = CloudError.is(error) ? `${error.kind}: ${error.message}` : 'the driver failed unexpectedly';
  return `cloud "${cloud}" could not be read: ${cause}`;
}
