/**
 * The REST + WebSocket facade as a server: {@link createApiServer} wires the express app, the WebSocket gateway and
 * the HTTP(S) server with the original's limits (keep-alive above CodeOcean's 5 s, a 15 s header timeout, TLS 1.3).
 * `close()` stops accepting, ends live executions and idle keep-alive sockets at once, and cuts what is still busy
 * after a short grace.
 */
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { resolveApiOptions, type ApiServerOptions } from './api-options';
import { buildApp } from './build-app';
import { WebSocketGateway } from './executions/websocket-gateway';
import { StoredExecutions } from './executions/stored-executions';
import { requireToken, tokenCheck } from './http/auth';
import { apiMetrics } from './metrics/api-metrics';

/** A created (not yet listening) API server. */
export interface ApiServer {
  /** Starts listening; resolves with the bound address (port 0 picks a free one). */
  listen(port: number, host: string): Promise<AddressInfo>;
  /** Stops the server; resolves when every connection is closed. Idempotent. */
  close(): Promise<void>;
  readonly server: http.Server | https.Server;
}

const HEADERS_TIMEOUT_MS = 15_000;
/** Whole-request read limit; longer than the original's 15 s so 64 MiB bodies fit on slow links. */
const REQUEST_TIMEOUT_MS = 120_000;
/** How long live WebSockets get to close after their final message on shutdown. */
const WEBSOCKET_CLOSE_GRACE_MS = 500;

/** Creates the facade over `options.services`. */
export function createApiServer(options: ApiServerOptions): ApiServer {
  const resolved = resolveApiOptions(options);
  const { services, config, logger, registry, clock } = resolved;
  const metrics = apiMetrics(registry);
  const check = tokenCheck(config.token);
  const stored = new StoredExecutions(services.runners, resolved.newId);
  const context = { services, config, registry, stored, auth: requireToken(check) };
  const app = buildApp(context, metrics, clock, logger);
  const server = config.tls
    ? https.createServer({ cert: config.tls.cert, key: config.tls.key, minVersion: 'TLSv1.3' }, app)
    : http.createServer(app);
  server.keepAliveTimeout = config.keepAliveTimeoutSeconds * 1000;
  server.headersTimeout = HEADERS_TIMEOUT_MS;
  server.requestTimeout = REQUEST_TIMEOUT_MS;
  const gateway = new WebSocketGateway({
    exec: services.exec,
    runners: services.runners,
    clock,
    timings: resolved.executionTimings,
    interactiveStderr: config.interactiveStderr,
    logger,
    tokenCheck: check,
    stored,
    metrics,
    maxMessageBytes: config.maxBodyBytes,
    app,
  });
  server.on('upgrade', (req, socket, head) => gateway.handleUpgrade(req, socket, head));
  let closing: Promise<void> | undefined;
  return {
    server,
    listen: (port, host) =>
      new Promise<AddressInfo>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          resolve(server.address() as AddressInfo);
        });
      }),
    close: () => {
      closing ??= (async () => {
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeIdleConnections();
        stored.clear();
        await gateway.shutdown(WEBSOCKET_CLOSE_GRACE_MS);
        const cut = clock.setTimeout(() => server.closeAllConnections(), resolved.closeGraceMs);
        await closed;
        clock.clearTimeout(cut);
      })();
      return closing;
    },
  };
}
