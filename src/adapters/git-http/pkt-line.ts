/**
 * The few pkt-lines the adapter writes itself (git writes everything else): the `# service=` header of a v0/v1
 * advertisement, flush packets, and `ERR` packets that git prints as `fatal: remote error: …`.
 */

/** One pkt-line: four hex digits of length (including themselves), then the payload. */
export function pktLine(payload: string): Buffer {
  const body = Buffer.from(payload, 'utf8');
  if (body.length > 65516) throw new RangeError('pkt-line payload too long');
  return Buffer.concat([Buffer.from((body.length + 4).toString(16).padStart(4, '0'), 'ascii'), body]);
}

export const FLUSH_PKT = Buffer.from('0000', 'ascii');

/** The header smart HTTP puts before a v0/v1 ref advertisement. */
export function serviceHeader(service: string): Buffer {
  return Buffer.concat([pktLine(`# service=${service}\n`), FLUSH_PKT]);
}

/** An error the client prints and stops on; newlines would end the packet early, so they become spaces. */
export function errPacket(message: string): Buffer {
  return pktLine(`ERR ${message.replace(/\s*\n\s*/g, ' ').slice(0, 60_000)}\n`);
}
