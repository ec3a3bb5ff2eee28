/**
 * The agent's local API (a unix socket, HTTP/1.1, JSON bodies, paths versioned `/v1/...`):
 * runtimes and the CNI shim reach the agent through it. Routes are registered by feature
 * modules (CNI in src/cni, status/attachments in src/local-api/runtime-routes.ts).
 */

/** One request as a route sees it. */
export interface ApiRequest {
  method: string;
  /** Path without the query string, e.g. `/v1/cni`. */
  path: string;
  query: URLSearchParams;
  body: Buffer;
}

/** What a route answers: `body` is sent as JSON (a Buffer is sent as is). */
export interface ApiResponse {
  status: number;
  body: unknown;
}

/** A route of the local API. */
export interface ApiRoute {
  method: 'GET' | 'POST' | 'DELETE';
  path: string;
  handle(req: ApiRequest): Promise<ApiResponse>;
}

/** Version prefix of every path of the local API; bumped only for incompatible changes. */
export const API_VERSION_PREFIX = '/v1';
