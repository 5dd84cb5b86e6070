/**
 * REST routes of the git remote's premium features: creating a wiki from a git template URL, and a wiki's external
 * sync (link, status, unlink, run now). Owner only; the sync token is accepted and never returned.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { WikiError } from '../../errors.js';
import { getSync, linkSync, runSyncNow, unlinkSync } from '../../usecases/git-sync.js';
import * as uc from '../../usecases/index.js';
import type { Services, WikiRef } from '../../usecases/index.js';
import { snake } from './json.js';
import { restActor } from './routes.js';

const schemas = {
  fromTemplate: z.object({
    template_url: z.string().min(1).max(2048),
    name: z.string().max(200).optional(),
    purpose: z.string().max(2000).optional(),
    visibility: z.enum(['public', 'private']).optional(),
  }),
  link: z.object({ url: z.string().min(1).max(2048), username: z.string().max(200).optional(), token: z.string().max(4096).optional() }),
};

function parse<T extends z.ZodTypeAny>(schema: T, value: unknown): z.infer<T> {
  const result = schema.safeParse(value ?? {});
  if (result.success) return result.data as z.infer<T>;
  const issue = result.error.issues[0];
  const field = issue?.path.join('.') || 'body';
  throw new WikiError('INVALID_INPUT', `Invalid body field "${field}": ${issue?.message ?? 'malformed'}.`, { field });
}

const opt = <T>(key: string, value: T | undefined) => (value === undefined ? {} : { [key]: value });

/** `POST /api/v1/wikis/:owner/:wiki/from-template` and `GET|PUT|DELETE …/sync`, `POST …/sync/run`. */
export function registerSyncRoutes(app: FastifyInstance, services: Services): void {
  const base = '/api/v1/wikis/:owner/:wiki';
  const refOf = (req: FastifyRequest): WikiRef => {
    const p = req.params as { owner: string; wiki: string };
    return { owner: p.owner, slug: p.wiki };
  };

  app.post(`${base}/from-template`, async (req, reply) => {
    const body = parse(schemas.fromTemplate, req.body);
    const actor = await restActor(services, req);
    // Creating a wiki is not an action on one wiki: a token limited to a wiki, or read-only, may not do it.
    if (actor.token && (actor.token.scope !== 'write' || actor.token.wikiId !== null)) {
      throw new WikiError('FORBIDDEN', 'Creating a wiki needs a write token that is not limited to one wiki.', { reason: 'token_scope' });
    }
    if (!actor.user) throw new WikiError('UNAUTHORIZED', 'Send an access token as "Authorization: Bearer <token>".');
    const wiki = await uc.createWikiFromTemplate(services, actor, {
      ...refOf(req),
      template: body.template_url,
      ...opt('name', body.name),
      ...opt('purpose', body.purpose),
      ...opt('visibility', body.visibility),
    });
    return reply.code(201).send(
      snake({ owner: wiki.owner, slug: wiki.slug, name: wiki.name, purpose: wiki.purpose, visibility: wiki.visibility, createdAt: wiki.createdAt }),
    );
  });

  app.get(`${base}/sync`, async (req) => snake(await getSync(services, await restActor(services, req), refOf(req))));
  app.put(`${base}/sync`, async (req) => {
    const body = parse(schemas.link, req.body);
    return snake(await linkSync(services, await restActor(services, req), refOf(req), { url: body.url, ...opt('username', body.username), ...opt('token', body.token) }));
  });
  app.delete(`${base}/sync`, async (req) => snake(await unlinkSync(services, await restActor(services, req), refOf(req))));
  app.post(`${base}/sync/run`, async (req) => snake(await runSyncNow(services, await restActor(services, req), refOf(req))));
}
