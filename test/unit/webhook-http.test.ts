import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

import { Webhook } from 'standardwebhooks';

import { postWebhook } from '../../outbound/webhooks/http';
import { generateWebhookSecret, webhookHeaders } from '../../outbound/webhooks/signing';

interface Received {
  method: string | undefined;
  path: string | undefined;
  headers: IncomingMessage['headers'];
  body: string;
}

/** A real receiver on 127.0.0.1, counting connections too, so that a refused attempt can be shown to send nothing. */
interface Receiver {
  port: number;
  received: Received[];
  connections: () => number;
}

const servers: Server[] = [];

async function startReceiver(answer: (req: IncomingMessage, res: ServerResponse) => void): Promise<Receiver> {
  const received: Received[] = [];
  let connections = 0;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      received.push({
        method: req.method,
        path: req.url,
        headers: req.headers,
        body: Buffer.concat(chunks).toString(),
      });
      answer(req, res);
    });
  });
  server.on('connection', () => (connections += 1));
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as AddressInfo).port, received, connections: () => connections };
}

afterAll(async () => {
  await Promise.all(
    servers.map(
      (server) =>
        new Promise<void>((resolve) => {
          server.closeAllConnections();
          server.close(() => resolve());
        }),
    ),
  );
});

const body = JSON.stringify({ type: 'cancellation.completed', data: { id: 'c_123' } });

describe('one webhook delivery attempt', () => {
  it('posts the signed body, which the receiver verifies, and reports the 2xx status and the answer', async () => {
    const secret = generateWebhookSecret();
    const receiver = await startReceiver((req, res) => res.writeHead(200, { 'content-type': 'text/plain' }).end('ok'));
    const headers = webhookHeaders({ id: 'msg_1', timestamp: Math.floor(Date.now() / 1000), body, secrets: [secret] });

    const attempt = await postWebhook({
      url: `http://127.0.0.1:${receiver.port}/hooks`,
      headers: { ...headers },
      body,
      allowPrivate: true,
    });

    expect(attempt).toEqual({ status: 200, error: null, latencyMs: expect.any(Number), responseBody: 'ok' });
    expect(receiver.received).toHaveLength(1);
    const [request] = receiver.received;
    expect(request).toMatchObject({ method: 'POST', path: '/hooks', body });
    expect(request.headers['content-length']).toBe(String(Buffer.byteLength(body)));
    const asReceived = {
      'webhook-id': String(request.headers['webhook-id']),
      'webhook-timestamp': String(request.headers['webhook-timestamp']),
      'webhook-signature': String(request.headers['webhook-signature']),
    };
    expect(() => new Webhook(secret).verify(request.body, asReceived)).not.toThrow();
  });

  it('reports a 500 and keeps only the first 1024 bytes of its 5 kB body', async () => {
    const answer = 'x'.repeat(1000) + 'y'.repeat(4000);
    const receiver = await startReceiver((req, res) => res.writeHead(500).end(answer));

    const attempt = await postWebhook({
      url: `http://127.0.0.1:${receiver.port}/`,
      headers: {},
      body,
      allowPrivate: true,
    });

    expect(attempt.status).toBe(500);
    expect(attempt.error).toBeNull();
    expect(attempt.responseBody).toBe(answer.slice(0, 1024));
  });

  it('does not follow a redirect: a 3xx is reported as it is', async () => {
    const receiver = await startReceiver((req, res) => res.writeHead(302, { location: '/elsewhere' }).end());

    const attempt = await postWebhook({
      url: `http://127.0.0.1:${receiver.port}/`,
      headers: {},
      body,
      allowPrivate: true,
    });

    expect(attempt).toMatchObject({ status: 302, error: null });
    expect(receiver.received.map((request) => request.path)).toEqual(['/']);
  });

  it('gives up on a receiver that never answers once the timeout has passed', async () => {
    const receiver = await startReceiver(() => undefined);

    const attempt = await postWebhook({
      url: `http://127.0.0.1:${receiver.port}/`,
      headers: {},
      body,
      allowPrivate: true,
      timeoutMs: 300,
    });

    expect(attempt).toMatchObject({ status: null, error: 'timed out after 300 ms', responseBody: '' });
    expect(attempt.latencyMs).toBeGreaterThanOrEqual(290);
    expect(receiver.received).toHaveLength(1);
  });

  it('reports the status and the timeout when the receiver answers but never ends its body', async () => {
    const receiver = await startReceiver((req, res) => res.writeHead(200).write('partial'));

    const attempt = await postWebhook({
      url: `http://127.0.0.1:${receiver.port}/`,
      headers: {},
      body,
      allowPrivate: true,
      timeoutMs: 300,
    });

    expect(attempt).toMatchObject({ status: 200, error: 'timed out after 300 ms', responseBody: 'partial' });
  });

  it('reports a network error and no status when nothing listens on the port', async () => {
    const receiver = await startReceiver(() => undefined);
    const server = servers.at(-1) as Server;
    await new Promise<void>((resolve) => server.close(() => resolve()));

    const attempt = await postWebhook({
      url: `http://127.0.0.1:${receiver.port}/`,
      headers: {},
      body,
      allowPrivate: true,
    });

    expect(attempt.status).toBeNull();
    expect(attempt.error).toMatch(/ECONNREFUSED/);
  });

  it('reports an invalid header as an error instead of throwing', async () => {
    const attempt = await postWebhook({
      url: 'http://127.0.0.1:1/',
      headers: { 'x-bad': 'line\nbreak' },
      body,
      allowPrivate: true,
    });

    expect(attempt.status).toBeNull();
    expect(attempt.error).toMatch(/invalid character/i);
  });
});

describe('the SSRF checks of a delivery attempt when private addresses are not allowed', () => {
  let receiver: Receiver;
  beforeAll(async () => {
    receiver = await startReceiver((req, res) => res.writeHead(200).end());
  });

  const attemptTo = (origin: string) =>
    postWebhook({ url: `${origin}:${receiver.port}/`, headers: {}, body, allowPrivate: false });

  it.each([
    ['plain http', 'http://127.0.0.1', 'url must use https'],
    ['a loopback address written in the url', 'https://127.0.0.1', 'address not allowed: 127.0.0.1'],
  ])('refuses %s before connecting', async (_what, origin, error) => {
    const attempt = await attemptTo(origin);

    expect(attempt).toMatchObject({ status: null, error });
    expect(receiver.connections()).toBe(0);
  });

  it('refuses a name that resolves to a loopback address, checking the address it would connect to', async () => {
    const attempt = await attemptTo('https://localhost');

    expect(attempt).toMatchObject({ status: null, error: expect.stringMatching(/^address not allowed: (127\.|::1)/) });
    expect(receiver.connections()).toBe(0);
    expect(receiver.received).toHaveLength(0);
  });
});
