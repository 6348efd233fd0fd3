import http from 'node:http';

export interface ApiServer {
  server: http.Server;
  /**
   * Stops accepting connections, lets the requests in flight finish, and resolves once every
   * connection is closed. Keep-alive clients do not hold it up.
   */
  stop(): Promise<void>;
}

/**
 * The API's HTTP server with a graceful stop. Node's `server.close()` stops accepting and closes the
 * idle keep-alive sockets, but a socket whose request is still in flight stays open after its
 * response for the whole keep-alive timeout. So while stopping, every response not yet started says
 * `Connection: close`, and each finished response closes whatever sockets have become idle.
 */
export function createApiServer(handler: http.RequestListener): ApiServer {
  const server = http.createServer();
  // Longer than a typical load balancer's idle timeout, so it never reuses a socket we just closed.
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;

  let stopping = false;
  const inFlight = new Set<http.ServerResponse>();
  const closeIdleSoon = () => setImmediate(() => server.closeIdleConnections());
  // Registered before the app, so it runs before anything can start the response.
  server.on('request', (_req: http.IncomingMessage, res: http.ServerResponse) => {
    inFlight.add(res);
    if (stopping) res.shouldKeepAlive = false;
    res.once('close', () => {
      inFlight.delete(res);
      if (stopping) closeIdleSoon();
    });
  });
  server.on('request', handler);

  return {
    server,
    stop: () =>
      new Promise<void>((resolve, reject) => {
        stopping = true;
        server.close((err) => (err ? reject(err) : resolve()));
        for (const res of inFlight) if (!res.headersSent) res.shouldKeepAlive = false;
        server.closeIdleConnections();
      }),
  };
}
