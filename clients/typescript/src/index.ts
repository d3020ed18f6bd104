/**
 * Typed client for the cloud-orchestrator v1 API. The types (`schema.ts`) are generated from the
 * service's committed openapi.json by openapi-typescript (`npm run openapi` in the service's
 * repository); requests go through openapi-fetch, so paths, parameters, bodies and answers are
 * checked by the compiler. Errors come back as `error`: an RFC 9457 problem (`Problem`).
 */
import createClient, { type Client, type ClientOptions } from 'openapi-fetch';
import type { components, paths } from './schema.js';

export type { components, operations, paths } from './schema.js';

export type Cloud = components['schemas']['Cloud'];
export type Node = components['schemas']['Node'];
export type NodeState = components['schemas']['NodeState'];
export type CreateNodeRequest = components['schemas']['CreateNodeRequest'];
export type Problem = components['schemas']['Problem'];
export type OrchestratorClient = Client<paths>;

export interface OrchestratorClientOptions extends Omit<ClientOptions, 'baseUrl'> {
  /** Where the service runs, e.g. `http://127.0.0.1:3000` (no `/api/v1`: the paths carry it). */
  baseUrl: string;
  /** An API key from the service's auth.apiKeys; sent as `Authorization: Bearer <key>`. */
  apiKey?: string;
}

/** A client for one service. Every call resolves to `{ data }` on success or `{ error }` (a Problem). */
export function createOrchestratorClient({
  baseUrl,
  apiKey,
  headers,
  ...rest
}: OrchestratorClientOptions): OrchestratorClient {
  return createClient<paths>({
    ...rest,
    baseUrl: baseUrl.replace(/\/+$/, ''),
    headers: { ...(apiKey ? { authorization: `Bearer ${apiKey}` } : {}), ...(headers as Record<string, string>) },
  });
}

/** A problem answer, thrown by the helpers below. */
export class ProblemError extends Error {
  constructor(readonly problem: Problem) {
    super(`${problem.status} ${problem.title}: ${problem.detail}`);
    this.name = 'ProblemError';
  }
}

export interface WaitOptions {
  /** Give up after this long, in milliseconds (default 300000). */
  timeoutMs?: number;
  /** Time between two polls, in milliseconds (default 1000). */
  intervalMs?: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** getNode: the node, or undefined once it is gone (404); any other error answer throws. */
async function nodeOrGone(client: OrchestratorClient, cloud: string, nodeId: string): Promise<Node | undefined> {
  const { data, error } = await client.GET('/api/v1/clouds/{cloud}/nodes/{nodeId}', {
    params: { path: { cloud, nodeId } },
  });
  if (error?.status === 404) return undefined;
  if (error) throw new ProblemError(error);
  return data;
}

/** Polls `check` until it returns a value; `pending` says why it did not yet, for the timeout error. */
async function poll<T>(
  check: () => Promise<{ done: true; value: T } | { done: false; pending: string }>,
  { timeoutMs = 300_000, intervalMs = 1_000 }: WaitOptions,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const result = await check();
    if (result.done) return result.value;
    if (Date.now() + intervalMs > deadline) throw new Error(`${result.pending} after ${timeoutMs} ms`);
    await sleep(intervalMs);
  }
}

/**
 * Polls getNode until the node is in `state` and returns it. Throws ProblemError on an error answer
 * (404 once the node is gone), and an Error when the node reaches `error` or the time runs out.
 */
export function waitForNodeState(
  client: OrchestratorClient,
  cloud: string,
  nodeId: string,
  state: NodeState,
  options: WaitOptions = {},
): Promise<Node> {
  return poll(async () => {
    const node = await nodeOrGone(client, cloud, nodeId);
    if (!node) throw new Error(`node ${nodeId} in cloud ${cloud} is gone`);
    if (node.state === state) return { done: true, value: node };
    if (node.state === 'error') throw new Error(`node ${nodeId} in cloud ${cloud} went into state error`);
    return { done: false, pending: `node ${nodeId} in cloud ${cloud} is still ${node.state}` };
  }, options);
}

/** Polls getNode until it answers 404 (the node is gone). Throws on any other error or on timeout. */
export function waitForNodeGone(
  client: OrchestratorClient,
  cloud: string,
  nodeId: string,
  options: WaitOptions = {},
): Promise<void> {
  return poll<void>(async () => {
    const node = await nodeOrGone(client, cloud, nodeId);
    if (!node) return { done: true, value: undefined };
    return { done: false, pending: `node ${nodeId} in cloud ${cloud} is still there (${node.state})` };
  }, options);
}
