/**
 * A real SMTP receiver for the mail tests (smtp-server on 127.0.0.1): keeps every message, waits for the next one to
 * an address, and finds the one-time links in them.
 */
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { startServer, type TestServer } from './harness.js';

export interface Mail {
  to: string[];
  /** The message with quoted-printable soft breaks and escapes undone, enough to read links and sentences. */
  text: string;
}

/** A real SMTP server on a free port that keeps every message it receives. */
export class MailBox {
  readonly mails: Mail[] = [];
  private waiters: Array<() => void> = [];
  private readonly server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData: (stream, session, callback) => {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        const text = raw
          .replace(/=\r?\n/g, '')
          .replace(/=([0-9A-F]{2})/g, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16)));
        this.mails.push({ to: session.envelope.rcptTo.map((r) => r.address.toLowerCase()), text });
        for (const w of this.waiters.splice(0)) w();
        callback();
      });
    },
  });
  port = 0;

  async start(): Promise<void> {
    await new Promise<void>((done) => this.server.listen(0, '127.0.0.1', done));
    this.port = (this.server.server.address() as AddressInfo).port;
  }

  close(): Promise<void> {
    return new Promise((done) => this.server.close(() => done()));
  }

  to(address: string): Mail[] {
    return this.mails.filter((m) => m.to.includes(address.toLowerCase()));
  }

  /** The next mail to `address` beyond the `seen` ones already there; fails after 5 s. */
  async next(address: string, seen = 0): Promise<Mail> {
    const deadline = Date.now() + 5000;
    for (;;) {
      const found = this.to(address)[seen];
      if (found) return found;
      if (Date.now() > deadline) throw new Error(`no mail to ${address} within 5 s`);
      await new Promise<void>((done) => {
        this.waiters.push(done);
        setTimeout(done, 100);
      });
    }
  }
}

/** The path and query of the first link of this kind in a mail (the test server's own port is not in the link). */
export function linkIn(mail: Mail, kind: 'reset' | 'verify' | 'email-change'): string {
  const m = new RegExp(`https?://[^/\\s]+(/-/${kind}\\?token=[A-Za-z0-9_-]+)`).exec(mail.text);
  assert.ok(m, `no ${kind} link in:\n${mail.text}`);
  return m[1]!;
}

/** A local SMTP receiver and a server that sends its mail there. */
export async function startServerWithMail(): Promise<{ box: MailBox; h: TestServer }> {
  const box = new MailBox();
  await box.start();
  const h = await startServer({
    env: { WIKIBOT_SMTP_URL: `smtp://127.0.0.1:${box.port}`, WIKIBOT_SMTP_FROM: 'Wikibot <wiki@example.test>' },
  });
  return { box, h };
}
