/**
 * Publishes a port of a runner on the host: a TCP listener on `hostIp:<dynamic port>` that forwards every connection
 * to `runnerAddress:port` inside the runner's network namespace, with back-pressure both ways (pipe).
 */
import net from 'node:net';

/** One published port. */
export interface Forwarder {
  /** The host port (the listener's). */
  readonly port: number;
  close(): Promise<void>;
}

/**
 * Listens on `hostIp:preferredPort` (0 = any free port) and forwards to `target`. When the preferred port is taken,
 * a free one is used instead.
 */
export async function forwardPort(
  hostIp: string,
  preferredPort: number,
  target: { host: string; port: number },
): Promise<Forwarder> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect({ host: target.host, port: target.port });
    sockets.add(client).add(upstream);
    const end = (): void => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
    client.pipe(upstream).pipe(client);
  });
  const port = await listen(server, hostIp, preferredPort).catch(() => listen(server, hostIp, 0));
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

function listen(server: net.Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error): void => reject(error);
    server.once('error', onError);
    server.listen({ host, port, exclusive: true }, () => {
      server.off('error', onError);
      const address = server.address();
      resolve(typeof address === 'object' && address ? address.port : port);
    });
  });
}
