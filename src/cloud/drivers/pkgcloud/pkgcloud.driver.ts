import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { context, propagation } from '@opentelemetry/api';
import * as pkgcloud from 'pkgcloud';
import { CloudError } from '../../driver/cloud-error';
import type {
  Capabilities,
  CloudImage,
  CloudKeyPair,
  CloudLocation,
  CloudNode,
  CloudSize,
  ComputeDriver,
  CreateNodeRequest,
  NodeAction,
  Page,
  PageRequest,
} from '../../driver/compute-driver';
import {
  asHttpError,
  ProviderRequest,
  ProviderResponse,
  providerRequest,
  RequestAborted,
  SentWithoutAnswer,
} from './pkgcloud-request';

export interface PkgcloudDriverSettings {
  cloud: string;
  /** Socket timeout for each HTTP request pkgcloud makes. */
  timeoutMs: number;
}

/**
 * The transport every pkgcloud-based driver stands on, and nothing more: it builds the provider's
 * pkgcloud client once (from `clientOptions`), gives every request it makes a socket timeout and a
 * keep-alive agent, and sends requests through the client (`send`, `exchange`) so its base URL,
 * auth headers and login still apply. What a provider's errors mean is its own `classify`, the one
 * place they are mapped. The operations themselves are each driver's: pkgcloud's own compute
 * methods fall short on every provider (one page only, missed error statuses, callbacks that never
 * come), so no driver uses them.
 */
export abstract class PkgcloudDriver implements ComputeDriver {
  abstract readonly engine: string;
  abstract readonly capabilities: Capabilities;

  private clientInstance?: pkgcloud.ComputeClient;
  protected readonly agents = {
    http: new HttpAgent({ keepAlive: true, maxSockets: 32 }),
    https: new HttpsAgent({ keepAlive: true, maxSockets: 32 }),
  };

  protected constructor(protected readonly settings: PkgcloudDriverSettings) {}

  /** The options handed to pkgcloud.compute.createClient (construction). */
  protected abstract clientOptions(): Record<string, unknown>;

  /**
   * The provider's one classification step: an HTTP answer with an error status (`statusCode`,
   * `headers`, `result`, as pkgcloud's own errors have them) or a failure with no answer at all
   * (socket errors, timeouts), as a CloudError naming the operation.
   */
  protected abstract classify(failure: unknown, operation: string): CloudError;

  protected get client(): pkgcloud.ComputeClient {
    if (!this.clientInstance) {
      const client = pkgcloud.compute.createClient(this.clientOptions());
      const timeout = this.settings.timeoutMs;
      const agents = this.agents;
      client.before = client.before ?? [];
      client.before.push((req: any) => {
        req.timeout = timeout;
        // `before` runs before pkgcloud sets req.uri: work the URL out as pkgcloud will, or an
        // http: endpoint would get the https agent and fail ("Protocol "http:" not supported").
        const uri = String(req.uri ?? urlOf(client, req));
        req.agent = uri.startsWith('http:') ? agents.http : agents.https;
        // request's default array form is `key[0]=a`; node's querystring repeats the key, as
        // OpenStack reads it (sort_key=created_at&sort_key=uuid).
        if (req.qs && Object.values(req.qs as object).some(Array.isArray)) req.useQuerystring = true;
        // W3C traceparent of the request being served (a no-op when tracing is off), so the cloud's
        // own logs and traces can be joined with ours.
        req.headers = req.headers ?? {};
        propagation.inject(context.active(), req.headers);
        return req;
      });
      this.prepareClient(client);
      this.clientInstance = client;
    }
    return this.clientInstance;
  }

  /** Adjusts the client pkgcloud built, once, before its first request; by default nothing. */
  protected prepareClient(_client: pkgcloud.ComputeClient): void {}

  /** Get ready; by default the client logs in lazily on the first call, so this does nothing. */
  async connect(): Promise<void> {}

  async close(): Promise<void> {
    this.agents.http.destroy();
    this.agents.https.destroy();
  }

  /**
   * One HTTP exchange through the client's own `_request` (see providerRequest), answered whatever
   * the status; a failure with no answer at all becomes a CloudError through `classify`.
   */
  protected async send(operation: string, request: ProviderRequest): Promise<ProviderResponse> {
    try {
      return await providerRequest(this.client, request);
    } catch (err) {
      if (err instanceof RequestAborted) {
        throw new CloudError('timeout', `${operation}: abandoned at the call's deadline (${err.message})`);
      }
      // Whatever the network error, a write the cloud may have received must not read as "failed".
      if (err instanceof SentWithoutAnswer) {
        throw new CloudError(
          'outcome_unknown',
          `${operation}: the request was sent but the connection failed before an answer; ` +
            'it may or may not have taken effect, so check before repeating it',
          { cause: err.cause },
        );
      }
      throw this.classify(err, operation);
    }
  }

  /** `send`, with an error status turned into a CloudError through `classify`. */
  protected async exchange(operation: string, request: ProviderRequest): Promise<ProviderResponse> {
    const response = await this.send(operation, request);
    if (response.status >= 400) throw this.classify(asHttpError(response), operation);
    return response;
  }

  abstract listNodes(page: PageRequest): Promise<Page<CloudNode>>;
  abstract getNode(id: string): Promise<CloudNode>;
  abstract createNode(request: CreateNodeRequest): Promise<CloudNode>;
  abstract nodeAction(id: string, action: NodeAction): Promise<CloudNode>;
  abstract destroyNode(id: string): Promise<void>;
  abstract listImages(): Promise<CloudImage[]>;
  abstract listSizes(): Promise<CloudSize[]>;
  abstract listLocations(): Promise<CloudLocation[]>;
  abstract listKeyPairs(): Promise<CloudKeyPair[]>;
  abstract importKeyPair(name: string, publicKey: string): Promise<CloudKeyPair>;
  abstract deleteKeyPair(name: string): Promise<void>;
}

/** The URL pkgcloud will request for `req`, or '' when the client cannot tell yet. */
function urlOf(client: pkgcloud.ComputeClient, req: any): string {
  try {
    return typeof client._getUrl === 'function' ? String(client._getUrl(req) ?? '') : '';
  } catch {
    return '';
  }
}
