/**
 * A catch-all SMTP server for development and the tests: it accepts every mail (no authentication, no
 * TLS, loopback only) and keeps it, as a `.eml` file in a folder and in memory, so `npm start` shows real
 * mails without an account anywhere and the tests read what the worker really sent over SMTP.
 */
import fs from 'node:fs';
import path from 'node:path';
import { SMTPServer } from 'smtp-server';

export interface SunkMail {
  /** The raw message as received (headers and body). */
  raw: string;
  from: string;
  to: string[];
  receivedAt: Date;
  /** Where it was saved, when the sink keeps a folder. */
  file?: string;
}

export interface MailSink {
  port: number;
  url: string;
  mails: SunkMail[];
  close(): Promise<void>;
}

export async function startMailSink(options: { port?: number; dir?: string } = {}): Promise<MailSink> {
  const mails: SunkMail[] = [];
  if (options.dir) fs.mkdirSync(options.dir, { recursive: true });
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    banner: 'development mail sink',
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        const receivedAt = new Date();
        const mail: SunkMail = {
          raw,
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          receivedAt,
        };
        if (options.dir) {
          mail.file = path.join(options.dir, `${receivedAt.toISOString().replace(/[:.]/g, '-')}-${mails.length}.eml`);
          fs.writeFileSync(mail.file, raw);
        }
        mails.push(mail);
        callback();
      });
    },
  });
  const port = await new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      const address = server.server.address();
      resolve(typeof address === 'object' && address ? address.port : 0);
    });
  });
  return {
    port,
    url: `smtp://127.0.0.1:${port}`,
    mails,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
