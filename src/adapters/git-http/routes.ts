/**
 * Git smart HTTP at `/<owner>/<wiki>.git`: ref advertisement (`info/refs?service=…`) and the two stateless RPC
 * endpoints, each served by a `git upload-pack` / `git receive-pack --stateless-rpc` child whose stdin and stdout are
 * the request and response bodies, streamed (a pack is never held in memory). Who may fetch or push is decided by the
 * use cases; pushes are checked by the pre-receive hook (push-hooks.ts) before anything is stored, and the response
 * ends only after the index has caught up with the pushed commits. Dumb HTTP is not offered.
 */
import { spawn } from 'node:child_process';
import { PassThrough, pipeline, type Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { anonymous, type Actor } from '../../auth/actor.js';
import { isWikiError, WikiError } from '../../errors.js';
import { gitEnv } from '../../git/git-process.js';
import { authenticateToken, beginPush, wikiAccess, type PushSession, type Services } from '../../usecases/index.js';
import { GIT_ERRORS, gitErrorText } from './error-table.js';
import { errPacket, serviceHeader } from './pkt-line.js';
import { PushHooks, type PushRegistration } from './push-hooks.js';
import { PushReservations, type Reservation } from './push-reservations.js';

type Service = 'git-upload-pack' | 'git-receive-pack';

interface Params {
  owner: string;
  wiki: string;
}

/** What a fetch may ask for: partial clones (`--filter=blob:none`) and the lazy fetches that fill them in. */
const UPLOAD_PACK_CONFIG = ['-c', 'uploadpack.allowFilter=true', '-c', 'uploadpack.allowReachableSHA1InWant=true'];
/** Every received object is checked for well-formedness; refs may only fast-forward and main may not be deleted. */
const RECEIVE_PACK_CONFIG = [
  '-c', 'receive.fsckObjects=true',
  '-c', 'receive.denyNonFastForwards=true',
  '-c', 'receive.denyDeletes=true',
  '-c', 'receive.advertisePushOptions=false',
];

const REALM = 'Basic realm="Wikibot"';

/** Registers the git remote's routes in their own scope, where request bodies are passed to git unparsed. */
export function registerGitHttpRoutes(app: FastifyInstance, services: Services): void {
  const hooks = new PushHooks(services.config.dataDir, services.log);
  const reservations = new PushReservations();
  app.addHook('onClose', async () => hooks.close());
  void app.register((scope, _opts, done) => {
    scope.removeAllContentTypeParsers();
    // The body stays a stream: git reads it as it arrives, whatever its size.
    scope.addContentTypeParser('*', (_request, payload, done) => done(null, payload));
    scope.get<{ Params: Params; Querystring: { service?: string } }>('/:owner/:wiki.git/info/refs', (request, reply) =>
      advertise(services, reservations, request, reply),
    );
    for (const service of ['git-upload-pack', 'git-receive-pack'] as const) {
      scope.post<{ Params: Params }>(`/:owner/:wiki.git/${service}`, (request, reply) => rpc(services, hooks, reservations, service, request, reply));
    }
    done();
  });
}

async function advertise(
  services: Services,
  reservations: PushReservations,
  request: FastifyRequest<{ Params: Params; Querystring: { service?: string } }>,
  reply: FastifyReply,
): Promise<FastifyReply> {
  const service = request.query.service;
  if (service !== 'git-upload-pack' && service !== 'git-receive-pack') {
    return reply
      .code(403)
      .header('content-type', 'text/plain; charset=utf-8')
      .send('Dumb HTTP is not offered: use git 1.6.6 or newer, which speaks smart HTTP (info/refs?service=git-upload-pack).\n');
  }
  let actor: Actor | null = null;
  let reservation: Reservation | null = null;
  try {
    actor = await authenticate(services, request);
    const target = await authorize(services, actor, service, request.params);
    reservation = await reserve(services, reservations, service, target, request);
    const protocol = gitProtocol(request);
    const child = startGit(service, target.dir, ['--advertise-refs'], protocol, {}, []);
    noCache(reply).header('content-type', `application/x-${service}-advertisement`);
    const body = new PassThrough();
    // Protocol v2 starts with its own capability advertisement, without the v0 service header (as git http-backend).
    if (protocol !== 'version=2') body.write(serviceHeader(service));
    child.stdin.end();
    child.stdout.pipe(body);
    watch(request, reply, child, service, services);
    const r = reservation;
    reply.raw.once('finish', () => r.shown());
    reply.raw.once('close', () => {
      if (!reply.raw.writableFinished) r.cancel();
    });
    return reply.send(body);
  } catch (err) {
    reservation?.cancel();
    return refuse(request, reply, err, actor, service, true);
  }
}

async function rpc(
  services: Services,
  hooks: PushHooks,
  reservations: PushReservations,
  service: Service,
  request: FastifyRequest<{ Params: Params }>,
  reply: FastifyReply,
): Promise<FastifyReply> {
  // A push's POST takes over the hold its refs placed (released below however the POST ends); a fetch's POST keeps a
  // retrying client's hold (see push-reservations.ts); git's probe before a large push keeps it for the real POST.
  const client = clientKey(request);
  let release: () => void = () => undefined;
  if (service === 'git-upload-pack') release = reservations.fetchRequest(client);
  else if (request.headers['content-length'] === '4') reservations.probe(client);
  else release = reservations.claim(client);
  const type = request.headers['content-type'];
  if (type !== `application/x-${service}-request`) {
    release();
    return reply.code(415).header('content-type', 'text/plain; charset=utf-8').send(`Expected content type application/x-${service}-request.\n`);
  }
  let actor: Actor | null = null;
  let session: PushSession | null = null;
  let registration: PushRegistration | null = null;
  try {
    actor = await authenticate(services, request);
    let dir: string;
    if (service === 'git-receive-pack') {
      session = await beginPush(services, actor, { owner: request.params.owner, slug: request.params.wiki });
      dir = session.wiki.repo.dir;
      registration = await hooks.register(session, dir);
    } else {
      dir = (await authorize(services, actor, service, request.params)).dir;
    }
    const child = startGit(service, dir, [], gitProtocol(request), registration?.env ?? {}, registration?.gitArgs ?? []);
    const input = request.body as Readable;
    const decoded = request.headers['content-encoding'] === 'gzip' ? pipeline(input, createGunzip(), () => undefined) : input;
    pipeline(decoded, child.stdin, (err) => {
      // A client that went away or sent a broken body: git cannot finish, so it stops now rather than wait.
      if (err && child.exitCode === null) child.kill();
    });
    noCache(reply).header('content-type', `application/x-${service}-result`);
    const body = new PassThrough();
    child.stdout.pipe(body, { end: false });
    const pushSession = session;
    const reg = registration;
    child.on('close', () => {
      reg?.dispose();
      // The push's answer is complete only once the index reflects it: end the response after the catch-up.
      void (pushSession ? pushSession.finish() : Promise.resolve()).then(() => {
        release();
        body.end();
      });
    });
    watch(request, reply, child, service, services);
    return reply.send(body);
  } catch (err) {
    registration?.dispose();
    if (session) await session.finish();
    release();
    return refuse(request, reply, err, actor, service, false);
  }
}

/**
 * Before refs are shown to a push (or to a client pulling to push again): hold new in-process writes back (see
 * push-reservations.ts for how long), and let the writes already queued finish, so the head it is shown stays the
 * head it pushes onto.
 */
async function reserve(services: Services, reservations: PushReservations, service: Service, target: Target, request: FastifyRequest<{ Params: Params }>): Promise<Reservation> {
  const runtime = services.runtimes.get(target.owner, target.slug);
  const repo = services.repos.open(target.owner, target.slug);
  const wiki = { runtime, head: () => repo.head() };
  const client = clientKey(request);
  const reservation =
    service === 'git-receive-pack'
      ? reservations.pushRefs(wiki, client, keepsConnection(request) ? request.raw.socket : null)
      : reservations.fetchRefs(wiki, client);
  if (reservation.held) await runtime.exclusive(() => Promise.resolve());
  return reservation;
}

/**
 * Who is asking, for matching a push's requests to each other: the wiki addressed and the client's address (not its
 * credentials: git fetches a public wiki anonymously and pushes with a token).
 */
function clientKey(request: FastifyRequest<{ Params: Params }>): string {
  return `${request.params.owner}/${request.params.wiki}\0${request.ip}`;
}

/** Whether the connection stays open after this request, so its closing before a POST means the client left. */
function keepsConnection(request: FastifyRequest): boolean {
  const connection = (request.headers.connection ?? '').toLowerCase();
  if (request.raw.httpVersion === '1.0') return connection.includes('keep-alive');
  return !connection.includes('close');
}

/** The actor behind the request's credentials: a token as the Basic password (any user name), or a Bearer token. */
async function authenticate(services: Services, request: FastifyRequest): Promise<Actor> {
  const header = request.headers.authorization;
  if (header === undefined || header.trim() === '') return anonymous('git');
  const space = header.indexOf(' ');
  const scheme = (space < 0 ? header : header.slice(0, space)).toLowerCase();
  const value = space < 0 ? '' : header.slice(space + 1).trim();
  let token = '';
  if (scheme === 'bearer') token = value;
  else if (scheme === 'basic') {
    const decoded = Buffer.from(value, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    // Some tools put the token in the user name and leave the password empty.
    token = colon < 0 ? decoded : decoded.slice(colon + 1) || decoded.slice(0, colon);
  }
  return authenticateToken(services, token, 'git');
}

/** A wiki the actor may fetch (or push to), and its repository directory. */
interface Target {
  owner: string;
  slug: string;
  dir: string;
}

/** The wiki the request may read (or push to); throws WIKI_NOT_FOUND / UNAUTHORIZED / FORBIDDEN. */
async function authorize(services: Services, actor: Actor, service: Service, params: Params): Promise<Target> {
  const ref = { owner: params.owner, slug: params.wiki };
  if (service === 'git-receive-pack') {
    const session = await beginPush(services, actor, ref);
    return { owner: session.wiki.wiki.owner, slug: session.wiki.wiki.slug, dir: session.wiki.repo.dir };
  }
  const access = await wikiAccess(services, actor, ref);
  return { owner: access.wiki.owner, slug: access.wiki.slug, dir: services.repos.open(access.wiki.owner, access.wiki.slug).dir };
}

function startGit(service: Service, dir: string, extra: string[], protocol: string | null, env: Record<string, string>, gitArgs: string[]) {
  const config = service === 'git-upload-pack' ? UPLOAD_PACK_CONFIG : RECEIVE_PACK_CONFIG;
  const args = [...config, ...gitArgs, service.slice(4), '--stateless-rpc', ...extra, dir];
  return spawn('git', args, {
    cwd: dir,
    env: { ...gitEnv(dir), ...(protocol ? { GIT_PROTOCOL: protocol } : {}), ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
}

/** Logs what git said when it failed, and stops it when the client goes away first. */
function watch(request: FastifyRequest, reply: FastifyReply, child: ReturnType<typeof startGit>, service: Service, services: Services): void {
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => {
    if (stderr.length < 4096) stderr += c.toString('utf8');
  });
  child.on('error', (err) => services.log.error({ err, service }, 'git could not be started'));
  child.on('close', (code, signal) => {
    if (code !== 0 && signal === null) request.log.warn({ service, code, stderr: stderr.trim() }, 'git exited with an error');
  });
  // The response closes when it is complete or when the client goes away; either way git has nothing left to do.
  reply.raw.once('close', () => {
    if (child.exitCode === null && child.signalCode === null) child.kill();
  });
}

/** `Git-Protocol: version=2` is passed to git as GIT_PROTOCOL, as git http-backend does; anything odd is ignored. */
function gitProtocol(request: FastifyRequest): string | null {
  const value = request.headers['git-protocol'];
  return typeof value === 'string' && /^[A-Za-z0-9=:.,_-]{1,100}$/.test(value) ? value : null;
}

function noCache(reply: FastifyReply): FastifyReply {
  return reply
    .header('cache-control', 'no-cache, max-age=0, must-revalidate')
    .header('pragma', 'no-cache')
    .header('expires', 'Fri, 01 Jan 1980 00:00:00 GMT');
}

/** Answers a refusal the way git shows it best (see error-table.ts). */
function refuse(
  request: FastifyRequest,
  reply: FastifyReply,
  err: unknown,
  actor: Actor | null,
  service: Service,
  advertisement: boolean,
): FastifyReply {
  let error = isWikiError(err) ? err : new WikiError('INTERNAL', 'Internal error.');
  // Without credentials, a wiki that may exist is a prompt for them, not a "not found" (git then asks for a token).
  if (error.code === 'WIKI_NOT_FOUND' && (actor === null || actor.user === null)) {
    error = new WikiError('UNAUTHORIZED', 'Authentication required: give a personal access token as the password (any user name).');
  }
  const shape = GIT_ERRORS[error.code];
  noCache(reply).header('content-type', 'text/plain; charset=utf-8');
  if (shape.status === 500) {
    request.log.error({ err, service }, 'git request failed');
    return reply.code(500).send(`Internal error (request ${request.id}).\n`);
  }
  const text = gitErrorText(error.code, error.message);
  if (shape.status === 401) return reply.code(401).header('www-authenticate', REALM).send(`${text}\n`);
  if (shape.status === 200 && advertisement) {
    // git prints an ERR packet as "fatal: remote error: <text>"; for a bare 403 it would print only the status.
    return reply
      .code(200)
      .header('content-type', `application/x-${service}-advertisement`)
      .send(Buffer.concat([serviceHeader(service), errPacket(text)]));
  }
  return reply.code(shape.status === 200 ? 403 : shape.status).send(`${text}\n`);
}
