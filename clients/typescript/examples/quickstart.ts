// The README's example: list the clouds, create a node, wait until it runs, delete it.
// Run: ORCHESTRATOR_URL=http://127.0.0.1:3000 ORCHESTRATOR_API_KEY=... node dist/examples/quickstart.js
import { createOrchestratorClient, ProblemError, waitForNodeGone, waitForNodeState } from '../src/index.js';

const client = createOrchestratorClient({
  baseUrl: process.env.ORCHESTRATOR_URL ?? 'http://127.0.0.1:3000',
  apiKey: process.env.ORCHESTRATOR_API_KEY, // omit when the service runs open on loopback
});

const clouds = await client.GET('/api/v1/clouds');
if (clouds.error) throw new ProblemError(clouds.error);
for (const cloud of clouds.data.items)
  console.log(`cloud ${cloud.name}: ${cloud.engine}${cloud.default ? ' (default)' : ''}`);

const created = await client.POST('/api/v1/clouds/{cloud}/nodes', {
  params: { path: { cloud: 'default' } },
  body: { name: 'quickstart-1', image: 'img-ubuntu-2404', size: 'small' },
});
if (created.error) throw new ProblemError(created.error);
console.log(`created ${created.data.id} (${created.data.state}) at ${created.response.headers.get('location')}`);

const node = await waitForNodeState(client, 'default', created.data.id, 'running', { intervalMs: 200 });
console.log(`${node.id} is ${node.state}, public IPs ${node.publicIps.join(', ') || 'none'}`);

const deleted = await client.DELETE('/api/v1/clouds/{cloud}/nodes/{nodeId}', {
  params: { path: { cloud: 'default', nodeId: node.id } },
});
if (deleted.error) throw new ProblemError(deleted.error);
await waitForNodeGone(client, 'default', node.id, { intervalMs: 200 });
console.log(`deleted ${node.id}`);
