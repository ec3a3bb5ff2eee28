/**
 * TLS fixtures for the etcd TLS tests: a throw-away PKI made with the `openssl` CLI and a
 * private etcd that serves clients only over mutual TLS, stopped by its own PID.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import { freePort } from './store-etcd-server.js';

/** A certificate and its private key (PEM file paths). */
export interface CertPair {
  cert: string;
  key: string;
}

/** Every file of the test PKI. `rogue*` come from a second CA that etcd does not trust. */
export interface TestPki {
  /** CA that signed the server and the good client certificate. */
  caCert: string;
  /** etcd's certificate, subjectAltName IP:127.0.0.1. */
  server: CertPair;
  /** Client certificate signed by `caCert`. */
  client: CertPair;
  /** An unrelated CA. */
  rogueCaCert: string;
  /** Client certificate signed by the unrelated CA. */
  rogueClient: CertPair;
}

/** Runs openssl, surfacing its stderr on failure. */
function openssl(args: string[], cwd: string): void {
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
}

/** Makes a self-signed CA (P-256, valid one day) named `name` in `dir`. */
function makeCa(dir: string, name: string): CertPair {
  const pair = { cert: join(dir, `${name}.crt`), key: join(dir, `${name}.key`) };
  openssl(
    ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
      '-keyout', pair.key, '-out', pair.cert, '-days', '1', '-subj', `/CN=${name}`,
      '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'],
    dir,
  );
  return pair;
}

/** Makes a leaf certificate `name` signed by `ca`, with the given X.509v3 extensions. */
function makeLeaf(dir: string, name: string, ca: CertPair, extensions: string): CertPair {
  const pair = { cert: join(dir, `${name}.crt`), key: join(dir, `${name}.key`) };
  const csr = join(dir, `${name}.csr`);
  const ext = join(dir, `${name}.ext`);
  writeFileSync(ext, extensions);
  openssl(
    ['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
      '-keyout', pair.key, '-out', csr, '-subj', `/CN=${name}`],
    dir,
  );
  openssl(
    ['x509', '-req', '-in', csr, '-CA', ca.cert, '-CAkey', ca.key, '-set_serial', `0x${randomBytes(8).toString('hex')}`,
      '-days', '1', '-out', pair.cert, '-extfile', ext],
    dir,
  );
  return pair;
}

/** Generates the whole test PKI under `dir` (which must exist). */
export function makeTestPki(dir: string): TestPki {
  const ca = makeCa(dir, 'np-test-ca');
  const rogueCa = makeCa(dir, 'np-rogue-ca');
  const leafBase = 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\n';
  return {
    caCert: ca.cert,
    // etcd also dials its own client port (gRPC gateway) with this pair, hence clientAuth.
    server: makeLeaf(dir, 'etcd-server', ca, `${leafBase}extendedKeyUsage=serverAuth,clientAuth\nsubjectAltName=IP:127.0.0.1\n`),
    client: makeLeaf(dir, 'np-client', ca, `${leafBase}extendedKeyUsage=clientAuth\n`),
    rogueCaCert: rogueCa.cert,
    rogueClient: makeLeaf(dir, 'np-rogue-client', rogueCa, `${leafBase}extendedKeyUsage=clientAuth\n`),
  };
}

/** GET https://127.0.0.1:port/health with the good client pair; true when etcd says healthy. */
function healthy(port: number, pki: TestPki): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request(
      { host: '127.0.0.1', port, path: '/health', method: 'GET', ca: readPem(pki.caCert), cert: readPem(pki.client.cert), key: readPem(pki.client.key), timeout: 1000 },
      (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString('utf8')));
        res.on('end', () => resolve(res.statusCode === 200 && body.includes('"health":"true"')));
      },
    );
    req.on('error', () => resolve(false));
    req.on('timeout', () => req.destroy());
    req.end();
  });
}

/** Reads a PEM file (tiny files; sync is fine in a test fixture). */
function readPem(path: string): Buffer {
  return readFileSync(path);
}

/** A single-member etcd serving clients only over TLS with client-certificate auth. */
export class TlsTestEtcd {
  private constructor(
    private readonly proc: ChildProcess,
    readonly clientPort: number,
    readonly dir: string,
  ) {}

  /** Starts etcd with `pki` in `dir`; resolves once it answers /health over mutual TLS. */
  static async start(dir: string, pki: TestPki): Promise<TlsTestEtcd> {
    const clientPort = await freePort();
    const peerPort = await freePort();
    const client = `https://127.0.0.1:${clientPort}`;
    const peer = `http://127.0.0.1:${peerPort}`;
    const name = `np${randomBytes(4).toString('hex')}`;
    mkdirSync(join(dir, 'data'), { recursive: true });
    const log = openSync(join(dir, 'etcd.log'), 'a');
    const proc = spawn(
      '/usr/bin/etcd',
      [
        '--data-dir', join(dir, 'data', name),
        '--name', name,
        '--listen-client-urls', client,
        '--advertise-client-urls', client,
        '--listen-peer-urls', peer,
        '--initial-advertise-peer-urls', peer,
        '--initial-cluster', `${name}=${peer}`,
        '--cert-file', pki.server.cert,
        '--key-file', pki.server.key,
        '--client-cert-auth',
        '--trusted-ca-file', pki.caCert,
        // netmaster applies an intent as one txn: lift etcd's default limits.
        '--max-txn-ops', '100000', '--max-request-bytes', String(64 << 20),
      ],
      { stdio: ['ignore', log, log] },
    );
    const etcd = new TlsTestEtcd(proc, clientPort, dir);
    const deadline = Date.now() + 20_000;
    while (!(await healthy(clientPort, pki))) {
      if (proc.exitCode !== null) throw new Error(`etcd exited with ${proc.exitCode}; see ${dir}/etcd.log`);
      if (Date.now() > deadline) {
        await etcd.stop();
        throw new Error(`TLS etcd did not become healthy; see ${dir}/etcd.log`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    return etcd;
  }

  /** Stops the process by PID (SIGTERM, then SIGKILL after 5 s) and waits for it to exit. */
  async stop(): Promise<void> {
    const proc = this.proc;
    if (proc.exitCode !== null || proc.signalCode !== null || proc.pid === undefined) return;
    const exited = new Promise<void>((r) => proc.once('exit', () => r()));
    process.kill(proc.pid, 'SIGTERM');
    const timer = setTimeout(() => proc.exitCode === null && proc.pid !== undefined && process.kill(proc.pid, 'SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  }
}
