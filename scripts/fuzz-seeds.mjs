#!/usr/bin/env node
// Writes seed corpora for the libFuzzer harnesses (native/fuzz/) from the repo's fixtures,
// at fuzz time, so no corpus is committed: `fuzz-seeds.mjs OUT_DIR` fills OUT_DIR/<harness>/.
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = process.argv[2];
if (!out) {
  console.error('usage: fuzz-seeds.mjs OUT_DIR');
  process.exit(2);
}

/** Writes one seed under OUT_DIR/harness, named by its hash as libFuzzer names inputs. */
function seed(harness, bytes) {
  const dir = join(out, harness);
  mkdirSync(dir, { recursive: true });
  const buf = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes);
  writeFileSync(join(dir, `seed-${createHash('sha1').update(buf).digest('hex')}`), buf);
}

/** Every even-length hex string of at least `min` bytes anywhere in a JSON document. */
function hexStrings(file, min) {
  const found = [];
  const walk = (v) => {
    if (typeof v === 'string') {
      if (v.length >= min * 2 && v.length % 2 === 0 && /^[0-9a-f]+$/.test(v)) found.push(Buffer.from(v, 'hex'));
    } else if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') Object.values(v).forEach(walk);
  };
  walk(JSON.parse(readFileSync(join(root, file), 'utf8')));
  return found;
}

// OpenFlow: captured messages, alone (decoder) and as a stream cut at several sizes (framing).
const openflow = [
  ...hexStrings('test/fixtures/openflow/fixtures.json', 8),
  ...hexStrings('test/fixtures/openflow/format-fixtures.json', 8),
  ...hexStrings('test/fixtures/openflow/policy-fixtures.json', 8),
  ...hexStrings('test/fixtures/openflow/meter-fixtures.json', 8),
  ...hexStrings('test/fixtures/openflow/packet-out-fixtures.json', 8),
];
for (const m of openflow) seed('openflow_decode', m);
const stream = Buffer.concat(openflow.slice(0, 40));
for (const piece of [0, 7, 63, 255]) seed('openflow_framing', Buffer.concat([Buffer.from([piece]), stream]));
for (const m of openflow.slice(0, 20)) seed('openflow_framing', Buffer.concat([Buffer.from([3]), m, m]));

// Netlink: captured kernel replies and requests, plus ethtool replies built like the kernel's.
const netlink = [
  ...hexStrings('test/fixtures/netlink/replies.json', 16),
  ...hexStrings('test/fixtures/netlink/vxlan-replies.json', 16),
  ...hexStrings('test/fixtures/netlink/requests.json', 16),
];
for (const m of netlink) seed('netlink_decode', m);

const NLA_F_NESTED = 0x8000;
function attr(type, payload) {
  const len = 4 + payload.length;
  const b = Buffer.alloc((len + 3) & ~3);
  b.writeUInt16LE(len, 0);
  b.writeUInt16LE(type, 2);
  payload.copy(b, 4);
  return b;
}
const u32 = (v) => {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(v >>> 0);
  return b;
};
const nest = (type, ...parts) => attr(type | NLA_F_NESTED, Buffer.concat(parts));
function genlMessage(type, cmd, attrs) {
  const body = Buffer.concat([Buffer.from([cmd, 1, 0, 0]), ...attrs]);
  const h = Buffer.alloc(16);
  h.writeUInt32LE(16 + body.length, 0);
  h.writeUInt16LE(type, 4);
  return Buffer.concat([h, body]);
}
// ETHTOOL_MSG_STRSET_GET_REPLY (1) naming ETH_SS_FEATURES (4) strings, and a FEATURES_GET_REPLY (10).
const names = ['tx-scatter-gather', 'tx-checksum-ipv4', 'tx-tcp-segmentation', 'rx-gro', 'rx-checksum'];
const strings = names.map((n, i) => nest(1, attr(1, u32(i)), attr(2, Buffer.from(`${n}\0`))));
seed('netlink_decode', genlMessage(0x1c, 1, [nest(2, nest(1, attr(1, u32(4)), attr(2, u32(names.length)), nest(3, ...strings)))]));
const features = genlMessage(0x1c, 10, [
  nest(2, attr(2, u32(names.length)), attr(4, u32(0b11111))),
  nest(4, attr(2, u32(names.length)), attr(4, u32(0b01011))),
  nest(5, attr(2, u32(names.length)), attr(4, u32(0b00100))),
]);
seed('netlink_decode', features);

// json_lite: CNI configurations of the examples and agent answers as the shim reads them.
const cniDir = join(root, 'examples/cni');
for (const f of readdirSync(cniDir)) if (/\.(json|conflist|conf)$/.test(f)) seed('json_lite', readFileSync(join(cniDir, f)));
for (const s of [
  '{"cniVersion":"1.0.0","name":"n","type":"netplugin-cni","agentSocket":"/run/netplugin/agent.sock"}',
  '{"exitCode":0,"stdout":"{\\"cniVersion\\":\\"1.1.0\\",\\"ips\\":[]}\\n"}',
  '{"exitCode":7,"stdout":"\\u00fc\\ud83c\\udf89 \\t\\"q\\""}',
  '{"a":[1,-2.5e3,true,false,null,{"b":{}}],"exitCode":255}',
]) seed('json_lite', s);

// The relay's HTTP responses: Content-Length, chunked with extensions and trailers, close-delimited.
const answer = '{"exitCode":0,"stdout":"{}"}';
for (const s of [
  `HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: ${answer.length}\r\n\r\n${answer}`,
  `HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n${answer.slice(0, 5)}\r\n${(answer.length - 5).toString(16)};ext=1\r\n${answer.slice(5)}\r\n0\r\nX-Trailer: 1\r\n\r\n`,
  `HTTP/1.0 200 OK\r\nContent-Type: application/json\r\n\r\n${answer}`,
  'HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n',
  'HTTP/1.1 404 Not Found\r\ntransfer-encoding: chunked\r\n\r\n0\r\n\r\n',
]) {
  for (const piece of [0, 1, 13]) seed('cni_http_response', Buffer.concat([Buffer.from([piece]), Buffer.from(s)]));
}
