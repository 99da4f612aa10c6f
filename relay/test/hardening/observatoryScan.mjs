// Runs the MDN HTTP Observatory scanner on one host and prints its result as JSON. The package's
// install script, which downloads the HSTS preload list into conf/hsts-preload.json, is disabled
// (no internet access when it is installed), so the scanner would stop at reading that file: this
// wrapper answers that one read with an empty list, which is what the list says of a LAN relay.
// Trust comes from NODE_EXTRA_CA_CERTS, set by the caller to the relay's CA.
import fs from 'node:fs';
import path from 'node:path';

const PRELOAD_LIST = path.join('conf', 'hsts-preload.json');
const readFileSync = fs.readFileSync;
fs.readFileSync = function (file, ...rest) {
  if (String(file).endsWith(PRELOAD_LIST) && !fs.existsSync(file)) return '{}';
  return readFileSync.call(this, file, ...rest);
};

const { scan } = await import('@mdn/mdn-http-observatory/src/scanner/index.js');
const host = process.argv[2];
if (host === undefined) {
  process.stderr.write('usage: observatoryScan.mjs <host[:port]>\n');
  process.exit(2);
}
try {
  const result = await scan(host);
  process.stdout.write(`${JSON.stringify(result)}\n`);
} catch (error) {
  process.stdout.write(`${JSON.stringify({ error: String(error) })}\n`);
  process.exit(1);
}
