// One rung of the listNodes cost ladder (bench/ladder.mjs): the service's own answer, fetched once,
// served by a bare framework with nothing of the service around it, so the cost of each layer can be
// read as the difference between rungs.
//   node bench/lib/ladder-server.cjs fastify|nest SOURCE_URL PORT
//   fastify — Fastify 5 alone, one route, the service's compiled response schema (fast-json-stringify)
//   nest    — NestJS on Fastify, one controller, the same schema; no guards, pipes, hooks or logger
//   spin:N  — a control: node:http + JSON.stringify that also busy-waits N µs per request, so its
//             CPU per request matches another rung's with no framework, async work or GC of its own
require('reflect-metadata');
const { join } = require('node:path');

const [rung, source, port] = process.argv.slice(2);
const root = join(__dirname, '..', '..');
const { responseSchemas } = require(join(root, 'dist', 'api', 'response-schemas.js'));
const document = require(join(root, 'openapi.json'));
const schema = { response: responseSchemas(document).get('GET /api/v1/clouds/{cloud}/nodes') };
const PATH = '/api/v1/clouds/default/nodes';
// Exit on SIGTERM through process.exit, so `--cpu-prof` still writes its profile.
process.on('SIGTERM', () => process.exit(0));

async function fastifyAlone(data) {
  const app = require('fastify')({ logger: false });
  app.get(PATH, { schema }, async () => data);
  await app.listen({ port: Number(port), host: '127.0.0.1' });
}

async function nestOnFastify(data) {
  const { Module, Controller, Get } = require('@nestjs/common');
  const { NestFactory } = require('@nestjs/core');
  const { FastifyAdapter } = require('@nestjs/platform-fastify');
  // Decorators applied by hand: this file is plain JavaScript.
  class NodesController {
    list() {
      return data;
    }
  }
  Controller('api/v1/clouds/default')(NodesController);
  Get('nodes')(NodesController.prototype, 'list', Object.getOwnPropertyDescriptor(NodesController.prototype, 'list'));
  class LadderModule {}
  Module({ controllers: [NodesController] })(LadderModule);
  const adapter = new FastifyAdapter();
  adapter.getInstance().addHook('onRoute', (route) => {
    if (route.url === PATH) route.schema = schema;
  });
  const app = await NestFactory.create(LadderModule, adapter, { logger: false });
  await app.listen(Number(port), '127.0.0.1');
}

function spinning(data, microseconds) {
  require('node:http')
    .createServer((_req, res) => {
      const until = process.hrtime.bigint() + BigInt(Math.round(microseconds * 1000));
      while (process.hrtime.bigint() < until);
      const body = JSON.stringify(data);
      res.writeHead(200, {
        'content-type': 'application/json; charset=utf-8',
        'content-length': Buffer.byteLength(body),
      });
      res.end(body);
    })
    .listen(Number(port), '127.0.0.1');
}

fetch(source)
  .then((r) => r.json())
  .then((data) =>
    rung.startsWith('spin:')
      ? spinning(data, Number(rung.slice(5)))
      : rung === 'nest'
        ? nestOnFastify(data)
        : fastifyAlone(data),
  )
  .catch((error) => {
    console.error(error);
    process.exit(1);
  });
