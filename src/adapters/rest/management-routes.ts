/**
 * The management REST API: the caller's account (`/me`, export, deletion), wikis as a whole (create, settings,
 * delete), collaborators and personal access tokens. Translation only: the rules live in the use cases.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Actor } from '../../auth/actor.js';
import { WikiError } from '../../errors.js';
import * as acct from '../../usecases/account.js';
import * as mgmt from '../../usecases/management.js';
import * as uc from '../../usecases/index.js';
import type { Services, WikiRef } from '../../usecases/index.js';
import { snake } from './json.js';
import { restActor } from './routes.js';

const API = '/api/v1';

const name = z.string().max(200);
const schemas = {
  createWiki: z.object({
    slug: z.string().min(1).max(100),
    name: name.optional(),
    purpose: z.string().max(5000).optional(),
    categories: z.array(z.string().max(100)).max(100).optional(),
    visibility: z.enum(['public', 'private']).optional(),
  }),
  settings: z
    .object({
      name: name.optional(),
      purpose: z.string().max(5000).optional(),
      categories: z.array(z.string().max(100)).max(100).optional(),
      visibility: z.enum(['public', 'private']).optional(),
      // Checked by the use case, whose error names the allowed values.
      home_page: z.string().max(2048).optional(),
      commit_messages: z.string().max(100).optional(),
      wikilink_order: z.string().max(100).optional(),
    })
    .strict(),
  confirm: z.object({ confirm: z.string().max(300).optional() }),
  addCollaborator: z.object({ user: z.string().min(1).max(300), role: z.enum(['viewer', 'editor']) }),
  changeRole: z.object({ role: z.enum(['viewer', 'editor']) }),
  createToken: z.object({
    name: z.string().max(100).optional(),
    wiki: z.string().max(200).nullable().optional(),
    scope: z.enum(['read', 'write']).optional(),
    expires: z.string().max(64).optional(),
  }),
  tokenId: z.object({ id: z.coerce.number().int().positive() }),
};

function parse<T extends z.ZodTypeAny>(schema: T, value: unknown, where: string): z.infer<T> {
  const result = schema.safeParse(value ?? {});
  if (result.success) return result.data as z.infer<T>;
  const issue = result.error.issues[0];
  const field = issue?.path.join('.') || where;
  const detail = issue?.code === 'unrecognized_keys' ? `unknown field(s) ${issue.keys.join(', ')}` : (issue?.message ?? 'malformed');
  throw new WikiError('INVALID_INPUT', `Invalid ${where} field "${field}": ${detail}.`, { field });
}

/** Drops undefined values so use-case inputs satisfy exactOptionalPropertyTypes. */
function defined<T extends Record<string, unknown>>(o: T): { [K in keyof T]: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as { [K in keyof T]: Exclude<T[K], undefined> };
}

export interface ManagementRouteOptions {
  /**
   * Resolves the caller. Defaults to the bearer token; the web adapter passes one that also accepts a session
   * cookie (a session actor has `token: null`, so it may manage like a token for all wikis with write scope).
   */
  actorOf?: (request: FastifyRequest) => Promise<Actor>;
}

export function registerManagementRoutes(app: FastifyInstance, services: Services, options: ManagementRouteOptions = {}): void {
  const actor = options.actorOf ?? ((req: FastifyRequest) => restActor(services, req));
  const send = (reply: FastifyReply, body: unknown, status = 200) => reply.code(status).send(snake(body));
  const wikiOf = (req: FastifyRequest): WikiRef => {
    const p = req.params as { owner: string; wiki: string };
    return { owner: p.owner, slug: p.wiki };
  };
  const W = `${API}/wikis/:owner/:wiki`;

  app.get(`${API}/me`, async (req, reply) => send(reply, await mgmt.describeAccount(services, await actor(req))));

  app.delete(`${API}/me`, async (req, reply) => {
    const who = await actor(req);
    const b = parse(schemas.confirm, req.body, 'body');
    return send(reply, await acct.deleteAccount(services, who, b.confirm));
  });

  app.get(`${API}/me/export`, async (req, reply) => {
    const result = await acct.exportAccount(services, await actor(req));
    return reply
      .code(200)
      .header('content-type', 'application/zip')
      .header('content-disposition', `attachment; filename="${result.filename}"`)
      .header('cache-control', 'no-store')
      .send(result.stream);
  });

  app.get(`${API}/wikis`, async (req, reply) => send(reply, { wikis: await uc.listWikisFor(services, await actor(req)) }));

  app.post(`${API}/wikis`, async (req, reply) => {
    const who = await actor(req);
    const user = mgmt.requireManager(who);
    const b = parse(schemas.createWiki, req.body, 'body');
    const settings = mgmt.parseWikiSettings(defined({ name: b.name, purpose: b.purpose, categories: b.categories }));
    const wiki = await uc.createWiki(services, who, defined({ owner: user.username, slug: b.slug, name: settings.name, purpose: settings.purpose, categories: settings.categories, visibility: b.visibility }));
    return send(reply, await mgmt.describeWiki(services, who, { owner: wiki.owner, slug: wiki.slug }), 201);
  });

  app.get(W, async (req, reply) => send(reply, await mgmt.describeWiki(services, await actor(req), wikiOf(req))));

  app.patch(W, async (req, reply) => {
    const who = await actor(req);
    const b = parse(schemas.settings, req.body, 'body');
    const { home_page: homePage, commit_messages: commitMessages, wikilink_order: wikilinkOrder, ...rest } = b;
    return send(reply, await mgmt.updateWikiSettings(services, who, wikiOf(req), defined({ ...rest, homePage, commitMessages, wikilinkOrder })));
  });

  app.delete(W, async (req, reply) => {
    const who = await actor(req);
    const b = parse(schemas.confirm, req.body, 'body');
    return send(reply, await mgmt.deleteWiki(services, who, wikiOf(req), b.confirm));
  });

  app.get(`${W}/collaborators`, async (req, reply) => send(reply, await mgmt.listCollaborators(services, await actor(req), wikiOf(req))));

  app.post(`${W}/collaborators`, async (req, reply) => {
    const who = await actor(req);
    const b = parse(schemas.addCollaborator, req.body, 'body');
    const added = await mgmt.addCollaborator(services, who, wikiOf(req), b);
    return send(reply, added, 201);
  });

  app.patch(`${W}/collaborators/:user`, async (req, reply) => {
    const who = await actor(req);
    const b = parse(schemas.changeRole, req.body, 'body');
    return send(reply, await mgmt.changeCollaboratorRole(services, who, wikiOf(req), (req.params as { user: string }).user, b.role));
  });

  app.delete(`${W}/collaborators/:user`, async (req, reply) =>
    send(reply, await mgmt.removeCollaborator(services, await actor(req), wikiOf(req), (req.params as { user: string }).user)),
  );

  app.get(`${API}/tokens`, async (req, reply) => send(reply, { tokens: await acct.listMyTokens(services, await actor(req)) }));

  app.post(`${API}/tokens`, async (req, reply) => {
    const who = await actor(req);
    const b = parse(schemas.createToken, req.body, 'body');
    const { token, record } = await acct.issueToken(services, who, defined({ name: b.name, wiki: b.wiki, scope: b.scope, expires: b.expires }));
    return send(reply, { token, ...record }, 201);
  });

  app.delete(`${API}/tokens/:id`, async (req, reply) => {
    const who = await actor(req);
    const { id } = parse(schemas.tokenId, req.params, 'path');
    return send(reply, await acct.revokeMyToken(services, who, id));
  });
}
