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
  /** The next this-many mails are refused with a temporary error (451), as a busy server would: tests set it. */
  refuseNext: number;
  close(): Promise<void>;
}

export async function startMailSink(options: { port?: number; dir?: string } = {}): Promise<MailSink> {
  const mails: SunkMail[] = [];
  let sink: MailSink | undefined;
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
        if (sink && sink.refuseNext > 0) {
          sink.refuseNext -= 1;
          callback(Object.assign(new Error('mailbox busy, try again later'), { responseCode: 451 }));
          return;
        }
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
  sink = {
    port,
    url: `smtp://127.0.0.1:${port}`,
    mails,
    refuseNext: 0,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
  return sink;
}
