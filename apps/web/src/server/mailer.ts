/**
 * Outgoing e-mail (invitations, password resets). No SMTP transport is configured in this build, so
 * the message — including its link — is written to the server log, and the UI shows invitation links
 * directly. The lead wires SMTP (config SMTP_URL) here; callers don't change.
 */
import { services } from './services'

export interface Mail {
  to: string
  subject: string
  text: string
  link: string
}

export async function sendMail(mail: Mail): Promise<{ delivered: boolean }> {
  services().log.info(
    { to: mail.to, subject: mail.subject, link: mail.link },
    'e-mail (no SMTP configured): link logged',
  )
  return { delivered: false }
}
