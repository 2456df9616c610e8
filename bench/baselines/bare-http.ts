// Baseline: the least any Node HTTP server can do per request, a fixed 1 KiB text body from node:http.
import http from 'node:http';
import { pasteContent } from '../data.js';

const body = pasteContent(0);
const server = http.createServer((_req, res) => {
  res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8', 'content-length': body.length });
  res.end(body);
});
server.keepAliveTimeout = 60_000;
server.listen(Number(process.env['PORT'] ?? 0), '127.0.0.1', () => process.send?.({ ready: true }));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
