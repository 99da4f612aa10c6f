/*
 * Clients the ops tests run inside a network namespace, as `node -e <script> <args…>`; each
 * prints its result as the last line of its output (JSON, or progress lines for HOLD_SCRIPT).
 */

/** Opens `count` TLS connections to host:port and keeps each busy with a request a second. */
export const HOLD_SCRIPT = `
const tls = require('node:tls');
const [host, name, port, count, ca] = process.argv.slice(1);
let ready = 0;
for (let i = 0; i < Number(count); i++) {
  const socket = tls.connect({ host, port: Number(port), servername: name, ca });
  let answered = false;
  const ask = () => socket.write('GET /healthz HTTP/1.1\\r\\nHost: ' + name + '\\r\\n\\r\\n');
  socket.once('secureConnect', () => { ask(); setInterval(ask, 1000); });
  socket.on('data', () => { if (!answered) { answered = true; if (++ready === Number(count)) console.log('held ' + ready); } });
  socket.on('error', () => {});
  socket.on('close', () => console.log('closed'));
}
`;

/** `count` GETs over fresh TLS connections, the certificate verified for the site name. */
export const FETCH_SCRIPT = `
const https = require('node:https');
const [host, name, port, requestPath, count, ca] = process.argv.slice(1);
const once = () => new Promise((resolve) => {
  const request = https.get({ host, servername: name, port: Number(port), path: requestPath, ca,
    agent: false, headers: { host: name }, timeout: 5000 }, (response) => {
    const san = response.socket.getPeerCertificate().subjectaltname;
    response.resume();
    response.on('end', () => resolve({ status: response.statusCode, san }));
  });
  request.on('timeout', () => request.destroy(new Error('timeout')));
  request.on('error', (error) => resolve({ error: error.code ?? error.message }));
});
(async () => {
  const results = [];
  for (let i = 0; i < Number(count); i++) results.push(await once());
  console.log(JSON.stringify(results));
})();
`;

/**
 * `count` passkey sign-in ceremonies begun over fresh TLS connections, as the app on the site's
 * origin begins them; prints each answer's status (or the error).
 */
export const CEREMONY_SCRIPT = `
const https = require('node:https');
const [host, name, port, count, ca] = process.argv.slice(1);
const once = () => new Promise((resolve) => {
  const request = https.request({ host, servername: name, port: Number(port), method: 'POST',
    path: '/api/sign-in/options', ca, agent: false, timeout: 5000, headers: { host: name,
    origin: 'https://' + name, 'content-type': 'application/json', 'content-length': '2' } },
    (response) => { response.resume(); response.on('end', () => resolve(response.statusCode)); });
  request.on('timeout', () => request.destroy(new Error('timeout')));
  request.on('error', (error) => resolve(error.code ?? error.message));
  request.end('{}');
});
(async () => {
  const results = [];
  for (let i = 0; i < Number(count); i++) results.push(await once());
  console.log(JSON.stringify(results));
})();
`;

export const HTTP_SCRIPT = `
const http = require('node:http');
const [host, port, requestPath, name] = process.argv.slice(1);
http.get({ host, port: Number(port), path: requestPath, headers: { host: name }, timeout: 5000 }, (response) => {
  response.resume();
  console.log(JSON.stringify({ status: response.statusCode, location: response.headers.location }));
}).on('error', (error) => console.log(JSON.stringify({ error: error.message })));
`;

/** One TCP connect from a given local address; prints connected, timeout or the error code. */
export const CONNECT_FROM_SCRIPT = `
const net = require('node:net');
const [host, port, localAddress, timeoutMs] = process.argv.slice(1);
const socket = net.connect({ host, port: Number(port), localAddress });
const done = (outcome) => { clearTimeout(timer); socket.destroy(); console.log(JSON.stringify(outcome)); };
const timer = setTimeout(() => done('timeout'), Number(timeoutMs));
socket.once('connect', () => done('connected'));
socket.once('error', (error) => done(error.code));
`;
