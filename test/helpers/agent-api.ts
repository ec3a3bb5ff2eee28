/** Calls the agent's local API (HTTP over its unix socket) from tests. */
import { request } from 'node:http';

/** Status and parsed JSON body of one call. */
export interface ApiReply {
  status: number;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

/** One request to the local API at `socketPath`. */
export function agentApi(socketPath: string, method: string, path: string, body?: unknown): Promise<ApiReply> {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const req = request({ socketPath, method, path, agent: false, headers: data ? { 'content-length': data.length } : {} }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        try {
          resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : undefined });
        } catch {
          resolve({ status: res.statusCode ?? 0, body: text });
        }
      });
    });
    req.on('error', reject);
    req.setTimeout(120_000, () => req.destroy(new Error(`${method} ${path}: no answer in 120 s`)));
    req.end(data);
  });
}
