// A server that works on at most K requests at a time, each for a fixed service time, the rest
// waiting in a FIFO queue: the textbook M/D/K-like queue a model server with K workers is. Its
// closed-loop throughput rises with concurrency up to K (K ÷ service time) and stays there, while
// latency past K grows with the queue (Little's law). In a process of its own, as the timing
// tests need (see httpServers.ts).

import { serverProcess, type ProcessServer } from './httpServers';

/** Plain JavaScript for `node -e`: argv[1] the service time (ms), argv[2] the slots K. */
const CHILD_SERVER = `
const http = require('http');
const ms = Number(process.argv[1]);
const slots = Number(process.argv[2]);
let requests = 0, connections = 0, open = 0, busy = 0;
const queue = [];
const answer = (res) => {
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': 11 });
  res.end('{"ok":true}');
};
const startNext = () => {
  while (busy < slots && queue.length) {
    const res = queue.shift();
    if (res.destroyed) continue;
    busy++;
    setTimeout(() => { busy--; if (!res.destroyed) answer(res); startNext(); }, ms);
  }
};
const server = http.createServer((req, res) => {
  requests++;
  req.resume();
  req.on('end', () => { queue.push(res); startNext(); });
});
server.keepAliveTimeout = 60000;
server.on('connection', (s) => { connections++; open++; s.on('close', () => open--); });
server.listen(0, '127.0.0.1', 511, () => process.send({ port: server.address().port }));
process.on('message', (m) => {
  if (m === 'stats') process.send({ requests, connections, open });
  if (m === 'close') { server.closeAllConnections(); server.close(() => process.exit(0)); }
});
process.on('disconnect', () => process.exit(0));
`;

/** A queueing server (K slots of `serviceMs` each) in a child process. */
export function queueingServerProcess(serviceMs: number, slots: number): Promise<ProcessServer> {
  return serverProcess(CHILD_SERVER, [String(serviceMs), String(slots)], 'the queueing server');
}
