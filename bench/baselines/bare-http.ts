// Baseline: the least any Node HTTP server can do per request, a fixed 1 KiB text body from node:http.
// `GET /as-raw-answer` answers the same body with the header lines of the gateway's raw answer, once they are
// given (`PUT /as-raw-answer` with a JSON list of [name, value]): what a server that does nothing else costs
// when it sends what a raw read sends (bench/README.md, "The raw answer's header lines").
import http from 'node:http';
import { pasteContent } from '../data.js';

const body = pasteContent(0);
const plain = { 'content-type': 'text/plain; charset=utf-8', 'content-length': body.length };
let asRawAnswer: Record<string, string | number> | undefined;

const server = http.createServer((req, res) => {
  if (req.url !== '/as-raw-answer') {
    res.writeHead(200, plain);
    res.end(body);
  } else if (req.method === 'GET' && asRawAnswer) {
    res.writeHead(200, asRawAnswer);
    res.end(body);
  } else if (req.method === 'PUT') {
    let json = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (json += chunk));
    req.on('end', () => {
      const lines = JSON.parse(json) as [string, string][];
      asRawAnswer = { ...Object.fromEntries(lines), 'content-length': body.length };
      res.writeHead(204).end();
    });
  } else {
    res.writeHead(404).end();
  }
});
server.keepAliveTimeout = 60_000;
server.listen(Number(process.env['PORT'] ?? 0), '127.0.0.1', () => process.send?.({ ready: true }));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
