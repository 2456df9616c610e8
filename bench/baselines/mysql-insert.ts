// Baseline: the floor of a create. Bare node:http takes a POST body and stores it with one autocommit INSERT
// (id, content, created_at) through a mysql2 pool (text protocol and pool size as paste-svc's Kysely uses), then
// answers the id: the least any Node service that keeps a paste in MySQL can do per create. Its own table, in
// the database MYSQL_URL names (the bench's pmbench_floor).
import http from 'node:http';
import { createPool } from 'mysql2';
import { newPasteId } from '../../paste-svc/src/paste/paste-id.js';

const url = process.env['MYSQL_URL'];
if (!url) throw new Error('MYSQL_URL: the floor needs a database (mysql://…/pmbench_floor)');
const pool = createPool({ uri: url, connectionLimit: Number(process.env['POOL_SIZE'] ?? 10), charset: 'utf8mb4' });
await pool
  .promise()
  .query(
    'CREATE TABLE IF NOT EXISTS floor_pastes (id varchar(16) CHARACTER SET ascii COLLATE ascii_bin PRIMARY KEY, ' +
      'content mediumblob NOT NULL, created_at bigint NOT NULL) ENGINE=InnoDB',
  );

const server = http.createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    // GET (the bench's readiness probe) stores nothing.
    if (req.method !== 'POST') return void res.end('ok\n');
    const id = newPasteId();
    pool.query(
      'INSERT INTO floor_pastes (id, content, created_at) VALUES (?, ?, ?)',
      [id, Buffer.concat(chunks), Date.now()],
      (err) => {
        if (err) {
          res.writeHead(500, { 'content-type': 'text/plain' });
          return void res.end(`${err.code ?? 'error'}\n`);
        }
        res.writeHead(201, { 'content-type': 'text/plain; charset=utf-8' });
        res.end(`${id}\n`);
      },
    );
  });
});
server.keepAliveTimeout = 60_000;
server.listen(Number(process.env['PORT'] ?? 0), '127.0.0.1', () => process.send?.({ ready: true }));
process.on('SIGTERM', () => server.close(() => pool.end(() => process.exit(0))));
