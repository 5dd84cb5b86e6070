/**
 * The mail port: what the use cases need to send a person a message (verification and password-reset links), and
 * its SMTP implementation through nodemailer. Without WIKIBOT_SMTP_URL there is no mailer and nothing is sent.
 */
import { createTransport, type Transporter } from 'nodemailer';

export interface MailMessage {
  to: string;
  subject: string;
  /** Plain text: links stay copyable and nothing needs sanitizing. */
  text: string;
}

export interface Mailer {
  /** Hands the message to the mail server; rejects when it refuses it or cannot be reached. */
  send(message: MailMessage): Promise<void>;
  close(): void;
}

/** Sends through the SMTP server of `url` (`smtp://` with STARTTLS when offered, `smtps://` with TLS from the start). */
export class SmtpMailer implements Mailer {
  private readonly transport: Transporter;

  constructor(
    url: string,
    private readonly from: string,
  ) {
    this.transport = createTransport(url);
  }

  async send(message: MailMessage): Promise<void> {
    await this.transport.sendMail({ from: this.from, to: message.to, subject: message.subject, text: message.text });
  }

  close(): void {
    this.transport.close();
  }
}
