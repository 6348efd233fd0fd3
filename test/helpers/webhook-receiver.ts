/**
 * A real HTTP receiver for webhook tests: it records every request (path, headers, body) and answers each
 * path as told, a status at a time, the last one repeated; `'hold'` leaves a request unanswered (the
 * sender's worker dies while waiting). Unplanned paths answer 200.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedRequest {
  path: string;
  headers: Record<string, string>;
  body: string;
}

export type Answer = number | 'hold';

export interface WebhookReceiver {
  url: string;
  received: ReceivedRequest[];
  /** How each path answers: one entry per request, the last one repeated. */
  answers: Map<string, Answer[]>;
  /** The requests that reached one path, in order. */
  at(path: string): ReceivedRequest[];
  close(): Promise<void>;
}

export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const received: ReceivedRequest[] = [];
  const answers = new Map<string, Answer[]>();
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    req.on('end', () => {
      const path = req.url ?? '/';
      received.push({ path, headers: req.headers as Record<string, string>, body });
      const plan = answers.get(path) ?? [200];
      const answer = plan.length > 1 ? plan.shift()! : plan[0];
      if (answer === 'hold') return;
      res.statusCode = answer;
      res.end('thanks');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    received,
    answers,
    at: (path) => received.filter((r) => r.path === path),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
