/**
 * The pre-receive hook program. `git receive-pack`, started by the server for one push, runs it after the objects
 * arrived in quarantine and before any ref moves. It asks the server that started the push (loopback address and a
 * one-time secret in its environment) whether to accept, prints the answer (git shows it as `remote: …`) and exits 0
 * to accept or 1 to refuse. Anything unexpected refuses: a push nobody checked must not land.
 * Kept free of project imports so it starts fast.
 */
import { connect } from 'node:net';

const address = process.env.WIKIBOT_PUSH_HOOK;
const secret = process.env.WIKIBOT_PUSH_SECRET;

function refuse(message: string): never {
  process.stderr.write(`${message}\n`);
  process.exit(1);
}

if (!address || !secret) refuse('This repository accepts pushes only through the Wikibot server.');

const chunks: Buffer[] = [];
process.stdin.on('data', (c: Buffer) => chunks.push(c));
process.stdin.on('end', () => {
  const [host, port] = [address.slice(0, address.lastIndexOf(':')), Number(address.slice(address.lastIndexOf(':') + 1))];
  const socket = connect({ host, port });
  const reply: Buffer[] = [];
  socket.setTimeout(15 * 60_000, () => socket.destroy(new Error('timed out')));
  socket.on('connect', () => {
    socket.end(
      `${JSON.stringify({
        secret,
        updates: Buffer.concat(chunks).toString('utf8'),
        objectDirectory: process.env.GIT_OBJECT_DIRECTORY ?? '',
        alternates: process.env.GIT_ALTERNATE_OBJECT_DIRECTORIES ?? '',
        quarantine: process.env.GIT_QUARANTINE_PATH ?? '',
      })}\n`,
    );
  });
  socket.on('data', (c: Buffer) => reply.push(c));
  socket.on('error', (err) => refuse(`The server could not check this push (${err.message}); nothing was stored.`));
  socket.on('close', () => {
    let answer: { ok?: unknown; message?: unknown };
    try {
      answer = JSON.parse(Buffer.concat(reply).toString('utf8')) as { ok?: unknown; message?: unknown };
    } catch {
      refuse('The server gave no answer about this push; nothing was stored.');
    }
    if (typeof answer.message === 'string' && answer.message !== '') process.stderr.write(`${answer.message}\n`);
    process.exit(answer.ok === true ? 0 : 1);
  });
});
