/**
 * REST API v1: translates HTTP into use cases and back, nothing more. Page paths may contain `/`, so the routes under
 * `pages/` are parsed from the raw URL: a trailing `history`, `blame`, `diff`, `rename` or `attachments[/<name>]`
 * segment names an operation (a page really called `X/history` is reached as `X%2Fhistory`).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Actor } from '../../auth/actor.js';
import { anonymous } from '../../auth/actor.js';
import { WikiError } from '../../errors.js';
import * as uc from '../../usecases/index.js';
import { etagMatches } from '../http-status.js';
import type { Services, WikiRef } from '../../usecases/index.js';
import { snake } from './json.js';

const API = '/api/v1';

type Op =
  | { kind: 'page' }
  | { kind: 'history' | 'blame' | 'diff' | 'rename' | 'attachments' }
  | { kind: 'attachment'; name: string }
  | { kind: 'attachment-rename' | 'attachment-thumbnail'; name: string };

const PAGE_OPS = new Set(['history', 'blame', 'diff', 'rename', 'attachments']);

/** Splits the raw tail after `pages/` into the page path and the operation. */
export function parsePageTail(rawTail: string): { path: string; op: Op } {
  const raw = rawTail.split('/');
  const decode = (s: string) => {
    try {
      return decodeURIComponent(s);
    } catch {
      throw new WikiError('INVALID_PATH', `The address has malformed percent-encoding: "${s}".`);
    }
  };
  const n = raw.length;
  const page = (count: number) => raw.slice(0, count).map(decode).join('/');
  if (n >= 4 && raw[n - 3] === 'attachments' && raw[n - 1] === 'rename') {
    return { path: page(n - 3), op: { kind: 'attachment-rename', name: decode(raw[n - 2]!) } };
  }
  if (n >= 4 && raw[n - 3] === 'attachments' && raw[n - 1] === 'thumbnail') {
    return { path: page(n - 3), op: { kind: 'attachment-thumbnail', name: decode(raw[n - 2]!) } };
  }
  if (n >= 3 && raw[n - 2] === 'attachments') return { path: page(n - 2), op: { kind: 'attachment', name: decode(raw[n - 1]!) } };
  if (n >= 2 && PAGE_OPS.has(raw[n - 1]!)) return { path: page(n - 1), op: { kind: raw[n - 1] as 'history' } };
  return { path: page(n), op: { kind: 'page' } };
}

// Request shapes, validated at the edge.
const optText = z.string().max(10_000).optional();
const revision = z.string().min(1).max(64);
const paging = {
  limit: z.coerce.number().int().positive().optional(),
  offset: z.coerce.number().int().min(0).optional(),
};
const filters = { prefix: z.string().max(1024).optional(), category: z.string().max(200).optional(), tag: z.string().max(200).optional() };
const schemas = {
  readQuery: z.object({ revision: revision.optional(), section: z.string().max(1000).optional(), format: z.enum(['markdown', 'html']).optional() }),
  put: z.object({ content: z.string(), revision: revision.optional(), commit_message: optText }),
  patchEdit: z.object({ revision, old_string: z.string(), new_string: z.string(), commit_message: optText }),
  patchSection: z.object({ revision, section: z.string().min(1).max(1000), mode: z.enum(['replace', 'append', 'prepend']).default('replace'), content: z.string(), commit_message: optText }),
  del: z.object({ revision: revision.optional(), commit_message: optText, with_subpages: z.union([z.boolean(), z.enum(['true', 'false']).transform((v) => v === 'true')]).optional() }),
  rename: z.object({ new_path: z.string().min(1).max(2048), commit_message: optText, update_links: z.boolean().optional() }),
  history: z.object({ ...paging }),
  blame: z.object({ revision: revision.optional() }),
  diff: z.object({ from: revision, to: revision.optional() }),
  upload: z.object({ filename: z.string().min(1).max(1024), content_base64: z.string(), commit_message: optText, replace: z.boolean().optional() }),
  uploadQuery: z.object({ filename: z.string().min(1).max(1024).optional(), commit_message: optText, replace: z.enum(['true', 'false']).transform((v) => v === 'true').optional() }),
  download: z.object({ revision: revision.optional() }),
  thumbnail: z.object({ revision: revision.optional(), size: z.string().regex(/^\d{1,9}$/, 'a whole number of pixels').transform(Number).optional() }),
  renameAttachment: z.object({ new_filename: z.string().min(1).max(1024), commit_message: optText }),
  list: z.object({ ...filters, ...paging, updated_since: z.string().max(64).optional() }),
  search: z.object({ q: z.string().max(1000).optional(), case_sensitive: z.enum(['true', 'false']).optional(), regex: z.enum(['true', 'false']).optional(), ...filters, ...paging }),
  changes: z.object({ ...paging, since: z.string().max(64).optional() }),
  stale: z.object({ days: z.coerce.number().int().min(0).max(36_500).optional() }),
  revert: z.object({ commit: revision, commit_message: optText }),
};

function parse<T extends z.ZodTypeAny>(schema: T, value: unknown, where: string): z.infer<T> {
  const result = schema.safeParse(value ?? {});
  if (result.success) return result.data as z.infer<T>;
  const issue = result.error.issues[0];
  const field = issue?.path.join('.') || where;
  throw new WikiError('INVALID_INPUT', `Invalid ${where} field "${field}": ${issue?.message ?? 'malformed'}.`, { field });
}

/** Undefined-free options object for use-case inputs (exactOptionalPropertyTypes). */
const opt = <T>(key: string, value: T | undefined) => (value === undefined ? {} : { [key]: value });

export interface RestContext {
  services: Services;
  /** Resolves the caller from the Authorization header (anonymous without one). */
  actorOf(request: FastifyRequest): Promise<Actor>;
}

/** The Actor of a REST request: a bearer token, or anonymous. */
export async function restActor(services: Services, request: FastifyRequest): Promise<Actor> {
  const header = request.headers.authorization;
  if (!header) return anonymous('rest');
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (!match) throw new WikiError('UNAUTHORIZED', 'Send the access token as "Authorization: Bearer <token>".');
  return uc.authenticateToken(services, match[1]!, 'rest');
}

export function registerRestRoutes(app: FastifyInstance, services: Services): void {
  const actor = (req: FastifyRequest) => restActor(services, req);
  const wikiOf = (req: FastifyRequest): WikiRef => {
    const p = req.params as { owner: string; wiki: string };
    return { owner: p.owner, slug: p.wiki };
  };
  const tailOf = (req: FastifyRequest, marker: string): string => {
    const url = req.raw.url ?? '';
    const pathOnly = url.split('?')[0] ?? '';
    const at = pathOnly.indexOf(marker);
    return at < 0 ? '' : pathOnly.slice(at + marker.length);
  };
  const base = `${API}/wikis/:owner/:wiki`;
  const send = (reply: FastifyReply, body: unknown, status = 200) => reply.code(status).send(snake(body));

  app.get(`${base}/pages`, async (req, reply) => {
    const q = parse(schemas.list, req.query, 'query');
    const result = await uc.listPages(services, await actor(req), {
      ...wikiOf(req),
      ...opt('prefix', q.prefix),
      ...opt('category', q.category),
      ...opt('tag', q.tag),
      ...opt('updatedSince', q.updated_since),
      ...opt('limit', q.limit),
      ...opt('offset', q.offset),
    });
    return send(reply, result);
  });

  const pageRoute = async (req: FastifyRequest, reply: FastifyReply) => {
    const ref = wikiOf(req);
    const { path, op } = parsePageTail(tailOf(req, `/wikis/${ref.owner}/${ref.slug}/pages/`));
    if (!path) throw new WikiError('INVALID_PATH', 'The page path is empty.');
    const who = await actor(req);
    const input = { ...ref, path };
    const method = req.method;
    const body = req.body;
    const q = req.query;
    switch (`${method} ${op.kind}`) {
      case 'GET page': {
        const r = parse(schemas.readQuery, q, 'query');
        const view = await uc.readPage(services, who, { ...input, ...opt('revision', r.revision), ...opt('section', r.section), ...opt('format', r.format) });
        if (view.requestedPath !== null) {
          const query = (req.raw.url ?? '').split('?')[1];
          const location = `${API}/wikis/${ref.owner}/${ref.slug}/pages/${view.path.split('/').map(encodeURIComponent).join('/')}${query ? `?${query}` : ''}`;
          return reply.code(301).header('location', location).send(snake({ path: view.path, location }));
        }
        const { requestedPath: _r, ...rest } = view;
        return send(reply, rest);
      }
      case 'PUT page': {
        const b = parse(schemas.put, body, 'body');
        const result = await uc.writePage(services, who, { ...input, content: b.content, ...opt('revision', b.revision), ...opt('commitMessage', b.commit_message) });
        return send(reply, result, result.created ? 201 : 200);
      }
      case 'PATCH page': {
        const isSection = typeof body === 'object' && body !== null && 'section' in body;
        if (isSection) {
          const b = parse(schemas.patchSection, body, 'body');
          return send(
            reply,
            await uc.editPageSection(services, who, { ...input, revision: b.revision, section: b.section, mode: b.mode, content: b.content, ...opt('commitMessage', b.commit_message) }),
          );
        }
        const b = parse(schemas.patchEdit, body, 'body');
        return send(
          reply,
          await uc.editPage(services, who, { ...input, revision: b.revision, oldString: b.old_string, newString: b.new_string, ...opt('commitMessage', b.commit_message) }),
        );
      }
      case 'DELETE page': {
        const b = parse(schemas.del, { ...(q as object), ...(typeof body === 'object' && body ? body : {}) }, 'body');
        return send(reply, await uc.deletePage(services, who, { ...input, ...opt('revision', b.revision), ...opt('commitMessage', b.commit_message), ...opt('withSubpages', b.with_subpages) }));
      }
      case 'POST rename': {
        const b = parse(schemas.rename, body, 'body');
        return send(
          reply,
          await uc.renamePage(services, who, { ...input, newPath: b.new_path, ...opt('commitMessage', b.commit_message), ...opt('updateLinks', b.update_links) }),
        );
      }
      case 'GET history': {
        const h = parse(schemas.history, q, 'query');
        return send(reply, await uc.pageHistory(services, who, { ...input, ...opt('limit', h.limit), ...opt('offset', h.offset) }));
      }
      case 'GET blame': {
        const b = parse(schemas.blame, q, 'query');
        return send(reply, await uc.pageBlame(services, who, { ...input, ...opt('revision', b.revision) }));
      }
      case 'GET diff': {
        const d = parse(schemas.diff, q, 'query');
        return send(reply, await uc.pageDiff(services, who, { ...input, from: d.from, ...opt('to', d.to) }));
      }
      case 'GET attachments':
        return send(reply, { attachments: await uc.listAttachments(services, who, input) });
      case 'POST attachments': {
        let filename: string;
        let content: Buffer;
        let message: string | undefined;
        let replace: boolean | undefined;
        if (Buffer.isBuffer(body)) {
          const u = parse(schemas.uploadQuery, q, 'query');
          if (!u.filename) throw new WikiError('INVALID_INPUT', 'Give the file name as ?filename= when uploading a raw body.');
          filename = u.filename;
          content = body;
          message = u.commit_message;
          replace = u.replace;
        } else {
          const u = parse(schemas.upload, body, 'body');
          if (!/^[A-Za-z0-9+/]*={0,2}$/.test(u.content_base64.replace(/\s/g, ''))) {
            throw new WikiError('INVALID_INPUT', 'content_base64 is not valid base64.');
          }
          filename = u.filename;
          content = Buffer.from(u.content_base64, 'base64');
          message = u.commit_message;
          replace = u.replace;
        }
        const result = await uc.uploadAttachment(services, who, { ...input, filename, content, ...opt('commitMessage', message), ...opt('replace', replace) });
        return send(reply, result, 201);
      }
      case 'GET attachment': {
        if (op.kind !== 'attachment') break;
        const d = parse(schemas.download, q, 'query');
        const file = await uc.downloadAttachment(services, who, { ...input, filename: op.name, ...opt('revision', d.revision) });
        return reply
          .code(200)
          .header('content-type', file.mimeType)
          .header('content-disposition', `attachment; filename*=UTF-8''${encodeURIComponent(file.name)}`)
          .header('x-content-type-options', 'nosniff')
          .header('content-security-policy', "default-src 'none'; sandbox")
          .header('etag', `"${file.oid}"`)
          .send(file.content);
      }
      case 'GET attachment-thumbnail': {
        if (op.kind !== 'attachment-thumbnail') break;
        const t = parse(schemas.thumbnail, q, 'query');
        const thumb = await uc.attachmentThumbnail(services, who, { ...input, filename: op.name, size: t.size ?? 200, ...opt('revision', t.revision) });
        reply.header('etag', thumb.etag).header('cache-control', 'private, no-cache').header('x-content-type-options', 'nosniff');
        if (etagMatches(req.headers['if-none-match'], thumb.etag)) return reply.code(304).send();
        const image = await thumb.render();
        return reply
          .code(200)
          .header('content-type', image.mimeType)
          .header('content-disposition', `inline; filename*=UTF-8''${encodeURIComponent(thumb.name)}`)
          .header('content-security-policy', "default-src 'none'; sandbox")
          .send(image.content);
      }
      case 'DELETE attachment': {
        if (op.kind !== 'attachment') break;
        const b = parse(schemas.del, { ...(q as object), ...(typeof body === 'object' && body ? body : {}) }, 'body');
        return send(reply, await uc.deleteAttachment(services, who, { ...input, filename: op.name, ...opt('commitMessage', b.commit_message) }));
      }
      case 'POST attachment-rename': {
        if (op.kind !== 'attachment-rename') break;
        const b = parse(schemas.renameAttachment, body, 'body');
        return send(
          reply,
          await uc.renameAttachment(services, who, { ...input, filename: op.name, newFilename: b.new_filename, ...opt('commitMessage', b.commit_message) }),
        );
      }
    }
    return reply
      .code(405)
      .send({ error: 'INVALID_INPUT', message: `${method} is not supported on this address.`, data: { method } });
  };
  app.route({ method: ['GET', 'PUT', 'PATCH', 'DELETE', 'POST'], url: `${base}/pages/*`, handler: pageRoute });

  app.get(`${base}/changes`, async (req, reply) => {
    const c = parse(schemas.changes, req.query, 'query');
    const changes = await uc.recentChanges(services, await actor(req), { ...wikiOf(req), ...opt('limit', c.limit), ...opt('offset', c.offset), ...opt('since', c.since) });
    return send(reply, { changes });
  });

  app.get(`${base}/search`, async (req, reply) => {
    const s = parse(schemas.search, req.query, 'query');
    const results = await uc.searchWiki(services, await actor(req), {
      ...wikiOf(req),
      query: s.q ?? '',
      caseSensitive: s.case_sensitive === 'true',
      regex: s.regex === 'true',
      ...opt('prefix', s.prefix),
      ...opt('category', s.category),
      ...opt('tag', s.tag),
      ...opt('limit', s.limit),
      ...opt('offset', s.offset),
    });
    return send(reply, { query: s.q, results });
  });

  app.get(`${base}/links`, async (req, reply) => send(reply, await uc.linkGraph(services, await actor(req), wikiOf(req))));
  app.get(`${base}/links/*`, async (req, reply) => {
    const ref = wikiOf(req);
    const { path } = parsePageTail(tailOf(req, `/wikis/${ref.owner}/${ref.slug}/links/`));
    return send(reply, await uc.pageLinks(services, await actor(req), { ...ref, path }));
  });
  app.get(`${base}/orphans`, async (req, reply) => send(reply, { pages: await uc.orphanPages(services, await actor(req), wikiOf(req)) }));
  app.get(`${base}/broken-links`, async (req, reply) => send(reply, { links: await uc.brokenLinks(services, await actor(req), wikiOf(req)) }));
  app.get(`${base}/stale`, async (req, reply) => {
    const s = parse(schemas.stale, req.query, 'query');
    return send(reply, await uc.stalePages(services, await actor(req), { ...wikiOf(req), ...opt('days', s.days) }));
  });
  app.post(`${base}/revert`, async (req, reply) => {
    const r = parse(schemas.revert, req.body, 'body');
    return send(reply, await uc.revertCommit(services, await actor(req), { ...wikiOf(req), commit: r.commit, ...opt('commitMessage', r.commit_message) }), 201);
  });
}
