// The probes' second reference: bare node:http answering with the service's whole answer, fetched once:
// the same body, JSON.stringify'd per request as ../shared/bench/bare-node.js does, and the same header
// lines (the security headers every answer of the service carries), with a fresh X-Request-Id per
// answer as the service sends. Its distance to bare-node.js (two headers) is what node:http itself
// spends on those headers; the service's distance to it is what the service adds around them.
//   node bench/lib/same-answer-server.cjs SOURCE_URL PORT
const http = require('node:http');
const { randomUUID } = require('node:crypto');

const [source, port] = process.argv.slice(2);
// Made by node:http for each answer, or by the service for each answer.
const PER_ANSWER = new Set(['date', 'connection', 'keep-alive', 'content-length', 'transfer-encoding', 'x-request-id']);

fetch(source).then(async (answer) => {
  const data = JSON.parse(await answer.text());
  const headers = [];
  for (const [name, value] of answer.headers) if (!PER_ANSWER.has(name)) headers.push(name, value);
  http
    .createServer((_req, res) => {
      const body = JSON.stringify(data);
      res.writeHead(200, [...headers, 'x-request-id', randomUUID(), 'content-length', String(Buffer.byteLength(body))]);
      res.end(body);
    })
    .listen(Number(port), '127.0.0.1', () =>
      console.log(`same-answer server: ${headers.length / 2} headers on ${port}`),
    );
});
