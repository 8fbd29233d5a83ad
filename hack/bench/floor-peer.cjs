#!/usr/bin/env node
// The benchmarks' floor peer: a trivial HTTP server and WebSocket server in a process of its own, so the HTTP and
// WebSocket floors cross a process boundary exactly like requests to the service do. Plain CommonJS, so the
// benchmarks spawn the same file from the TypeScript sources (jest) and from dist/.
//
//   any HTTP request          -> 200 {"ok":true} (the body is read and dropped)
//   WebSocket /echo           -> every message is sent back
//   WebSocket /session        -> one text message {"type":"exit","data":0}, then Close 1000
//
// Prints {"port": N} on stdout once listening; exits when its stdin ends (the parent closed it or died).
'use strict';

const { Buffer } = require('node:buffer');
const http = require('node:http');
const { WebSocketServer } = require('ws');

const reply = Buffer.from('{"ok":true}');
const server = http.createServer((req, res) => {
  req.on('data', () => undefined);
  req.on('end', () => {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': reply.length });
    res.end(reply);
  });
});
server.keepAliveTimeout = 65_000;
const sockets = new WebSocketServer({ server, perMessageDeflate: false });
sockets.on('connection', (socket, req) => {
  if (req.url === '/session') {
    socket.send('{"type":"exit","data":0}');
    socket.close(1000);
    return;
  }
  socket.on('message', (data, isBinary) => socket.send(data, { binary: isBinary }));
});
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ port: server.address().port })}\n`);
});
process.stdin.resume();
process.stdin.on('end', () => process.exit(0));
process.stdin.on('error', () => process.exit(0));
