/**
 * The web wiki: server-rendered HTML at `/<owner>/<wiki>/<Page/Path>`, wiki-level actions under
 * `/<owner>/<wiki>/-/<action>[/<Page/Path>]` (a page name cannot start with `-`, so they never clash), sign-in at
 * `/-/signin`. Translates requests into use cases and results into views, nothing more: every permission decision
 * comes from the use cases (and `can` for showing buttons).
 */
import { randomBytes } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Actor } from '../../auth/actor.js';
import { can } from '../../auth/policy.js';
import { signInThrottleOf, tooManyAttempts } from '../../auth/throttle.js';
import { isWikiError, WikiError } from '../../errors.js';
import * as uc from '../../usecases/index.js';
import type { Services, WikiRef } from '../../usecases/index.js';
import { getAsset } from './assets.js';
import { WEB_STATUS } from './error-table.js';
import { html, type Html } from './html.js';
import { checkCsrf, formOf, cookie, CSRF_COOKIE, pageHref, actionHref, safeNext, securityHeaders, SESSION_COOKIE, webContext, type WebContext } from './http.js';
import { LRUCache } from 'lru-cache';
import { hasMath, layout, markCurrent, pageTree, type WikiFrame } from './layout.js';
import * as vp from './views-page.js';
import { providerButtons } from './oidc-views.js';
import * as vw from './views-wiki.js';
import { syncBanner, syncView } from './views-sync.js';
import { etagMatches } from '../http-status.js';

/** Requests whose errors are answered as JSON (the editor's fetches). */
const jsonRequests = new WeakSet<FastifyRequest>();

const opt = <K extends string, T>(key: K, value: T | undefined | null | '') =>
  (value === undefined || value === null || value === '' ? {} : { [key]: value }) as Partial<Record<K, T>>;

interface Target {
  ref: WikiRef;
  /** `-/<action>`, or null for the page itself. */
  action: string | null;
  /** The page path after the action (may be empty). */
  path: string;
}

function decodeSegment(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    throw new WikiError('INVALID_PATH', `The address has malformed percent-encoding: "${s}".`);
  }
}

function parseTarget(request: FastifyRequest): Target {
  const params = request.params as { owner: string; wiki: string };
  const ref = { owner: params.owner, slug: params.wiki };
  const pathOnly = (request.raw.url ?? '').split('?')[0] ?? '';
  const prefix = `/${encodeURIComponent(ref.owner)}/${encodeURIComponent(ref.slug)}`;
  let tail = pathOnly.startsWith(prefix) ? pathOnly.slice(prefix.length) : '';
  tail = tail.replace(/^\/+/, '').replace(/\/+$/, '');
  const segments = tail === '' ? [] : tail.split('/').map(decodeSegment);
  if (segments[0] === '-') return { ref, action: segments[1] ?? '', path: segments.slice(2).join('/') };
  return { ref, action: null, path: segments.join('/') };
}

const field = (f: URLSearchParams, name: string): string | undefined => f.get(name) ?? undefined;
const query = (request: FastifyRequest) => request.query as Record<string, string | undefined>;
/** Browsers send textarea line breaks as CRLF; pages are stored with LF. */
const lf = (s: string) => s.replace(/\r\n?/g, '\n');

export function registerWebRoutes(app: FastifyInstance, services: Services): void {
  void app.register((scope, _opts, done) => {
    scope.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'buffer' }, (_req, body, next) => next(null, body));

    scope.setErrorHandler(async (err: unknown, request, reply) => {
      const error = toWikiError(err);
      const status = WEB_STATUS[error.code];
      if (status >= 500) request.log.error({ err, code: error.code }, 'web request failed');
      const message = status >= 500 ? `Something went wrong on our side (request ${request.id}).` : error.message;
      if (jsonRequests.has(request)) return reply.code(status).send({ error: error.code, message, data: status >= 500 ? {} : error.data });
      const ctx = await webContext(services, request).catch(() => null);
      if (error.code === 'UNAUTHORIZED' && request.method === 'GET' && ctx && !ctx.actor.user) {
        return reply.redirect(`/-/signin?next=${encodeURIComponent(request.raw.url ?? '/')}`, 303);
      }
      const signIn = ctx && !ctx.actor.user ? `/-/signin?next=${encodeURIComponent(request.raw.url ?? '/')}` : null;
      return sendHtml(reply, ctx, status, error.code === 'PAGE_NOT_FOUND' ? 'Not found' : 'Error', vp.errorView(status, message, signIn), null);
    });

    scope.get('/-/assets/:name', (request, reply) => {
      const asset = getAsset((request.params as { name: string }).name);
      if (!asset) return reply.code(404).type('text/plain').send('No such asset.');
      const gz = /\bgzip\b/.test(String(request.headers['accept-encoding'] ?? ''));
      reply
        .header('content-type', asset.type)
        .header('x-content-type-options', 'nosniff')
        .header('cache-control', query(request).v ? 'public, max-age=31536000, immutable' : 'no-cache')
        .header('vary', 'accept-encoding');
      if (gz) reply.header('content-encoding', 'gzip');
      return reply.send(gz ? asset.gzip : asset.body);
    });

    scope.get('/robots.txt', (_request, reply) =>
      reply.header('content-type', 'text/plain; charset=utf-8').send(vw.SITE_ROBOTS),
    );

    scope.get('/-/signin', async (request, reply) => {
      const ctx = await webContext(services, request);
      const next = safeNext(query(request).next);
      if (ctx.actor.user) return reply.redirect(next, 303);
      return sendHtml(reply, ctx, 200, 'Sign in', vp.signinView(ctx.csrf, next, null, '', providerButtons(services.config.oidcProviders, next)), null);
    });

    scope.post('/-/signin', async (request, reply) => {
      const ctx = await webContext(services, request);
      const f = formOf(request);
      checkCsrf(request, ctx, field(f, '_csrf'));
      const next = safeNext(field(f, 'next'));
      const login = field(f, 'login') ?? '';
      const throttle = signInThrottleOf(services);
      const wait = throttle.wait(request.ip, login);
      if (wait !== null) {
        reply.header('retry-after', String(wait));
        return sendHtml(reply, ctx, 429, 'Sign in', vp.signinView(ctx.csrf, next, tooManyAttempts(wait), login, providerButtons(services.config.oidcProviders, next)), null);
      }
      try {
        const started = await uc.startSession(services, login, field(f, 'password') ?? '', String(request.headers['user-agent'] ?? ''));
        if (ctx.sessionSecret) await uc.endSession(services, ctx.sessionSecret);
        reply.header('set-cookie', cookie(services, SESSION_COOKIE, started.secret, Math.floor(uc.SESSION_IDLE_MS / 1000)));
        return reply.redirect(next, 303);
      } catch (err) {
        if (!isWikiError(err, 'UNAUTHORIZED')) throw err;
        throttle.failed(request.ip, login);
        return sendHtml(reply, ctx, 401, 'Sign in', vp.signinView(ctx.csrf, next, err.message, login, providerButtons(services.config.oidcProviders, next)), null);
      }
    });

    scope.post('/-/signout', async (request, reply) => {
      const ctx = await webContext(services, request);
      checkCsrf(request, ctx, field(formOf(request), '_csrf'));
      if (ctx.sessionSecret) await uc.endSession(services, ctx.sessionSecret);
      reply.header('set-cookie', cookie(services, SESSION_COOKIE, '', 0));
      return reply.redirect('/-/signin', 303);
    });

    scope.get('/-/sessions', async (request, reply) => {
      const ctx = await webContext(services, request);
      if (!ctx.actor.user) return reply.redirect(`/-/signin?next=${encodeURIComponent('/-/sessions')}`, 303);
      const list = await uc.listSessions(services, ctx.actor);
      const current = ctx.sessionSecret ? (await uc.resumeSession(services, ctx.sessionSecret))?.session.id ?? null : null;
      return sendHtml(reply, ctx, 200, 'Your sessions', vp.sessionsView(list, current, ctx.csrf), null);
    });

    scope.post('/-/sessions', async (request, reply) => {
      const ctx = await webContext(services, request);
      const f = formOf(request);
      checkCsrf(request, ctx, field(f, '_csrf'));
      await uc.revokeSession(services, ctx.actor, Number.parseInt(field(f, 'revoke') ?? '', 10));
      return reply.redirect('/-/sessions', 303);
    });

    const handler = (request: FastifyRequest, reply: FastifyReply) => wikiRoute(services, request, reply);
    scope.route({ method: ['GET', 'POST'], url: '/:owner/:wiki', handler });
    scope.route({ method: ['GET', 'POST'], url: '/:owner/:wiki/*', handler });
    done();
  });
}

function sendHtml(reply: FastifyReply, ctx: WebContext | null, status: number, title: string, body: Html, wiki: WikiFrame | null, scripts?: string[]) {
  const styleNonce = scripts?.length ? randomBytes(16).toString('base64url') : null;
  // The editor's preview may show math too.
  const math = hasMath(body.value) || (scripts?.includes('editor.js') ?? false);
  securityHeaders(reply, styleNonce, math).code(status).header('content-type', 'text/html; charset=utf-8').header('cache-control', 'no-store');
  if (ctx?.newCsrfCookie) reply.header('set-cookie', `${CSRF_COOKIE}=${ctx.newCsrfCookie}; Path=/; HttpOnly; SameSite=Lax`);
  const user = ctx?.actor.user ?? null;
  return reply.send(
    layout({
      title,
      body,
      wiki,
      user: user ? { username: user.username, name: user.name } : null,
      csrf: ctx?.csrf ?? '',
      here: ctx?.here ?? '/',
      ...(scripts ? { scripts } : {}),
      ...(styleNonce ? { styleNonce } : {}),
      math,
    }),
  );
}

async function wikiRoute(services: Services, request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  const target = parseTarget(request);
  const ctx = await webContext(services, request);
  const { actor } = ctx;
  const { ref } = target;
  // Throws WIKI_NOT_FOUND for a wiki this actor may not see: a private wiki is a 404 to strangers.
  const access = await uc.wikiAccess(services, actor, ref);
  const canWrite = can(actor, 'write', access);
  const pageRef: vp.PageRef = { owner: access.wiki.owner, slug: access.wiki.slug, wikiName: access.wiki.name, commitMessages: access.wiki.commitMessages, linkOrder: access.wiki.wikilinkOrder };
  const path = target.path;
  const isPost = request.method === 'POST';
  let form = new URLSearchParams();
  if (isPost) {
    const isUpload = target.action === 'upload';
    if (isUpload || target.action === 'preview') jsonRequests.add(request);
    if (!isUpload) form = formOf(request);
    checkCsrf(request, ctx, isUpload ? undefined : field(form, '_csrf'));
  }
  const frame = async (current: string | null): Promise<WikiFrame> => ({
    owner: pageRef.owner,
    slug: pageRef.slug,
    name: pageRef.wikiName,
    canWrite,
    tree: markCurrent(await cachedTree(services, actor, access.wiki.id, ref), pageRef.owner, pageRef.slug, current),
  });
  const show = async (status: number, title: string, body: Html, current: string | null = null, scripts?: string[]) =>
    sendHtml(reply, ctx, status, title, body, await frame(current), scripts);
  const q = query(request);
  const needPath = () => {
    if (!path) throw new WikiError('INVALID_PATH', 'Name a page after the action, e.g. -/history/Home.');
    return path;
  };

  if (target.action === null) {
    if (isPost) return reply.code(405).send();
    const pagePath = path || access.wiki.homePage;
    if (q.action === 'create' || q.action === 'edit') return reply.redirect(actionHref(ref.owner, ref.slug, 'edit', pagePath), 303);
    const sync = await uc.syncAttentionFor(services, actor, access);
    const banner = sync ? syncBanner(pageRef, sync) : null;
    return viewPage(services, request, reply, ctx, pageRef, pagePath, canWrite, banner ? (s, t, b, c) => show(s, t, html`${banner}${b}`, c) : show);
  }

  switch (`${request.method} ${target.action}`) {
    case 'GET edit':
    case 'GET new': {
      const isNewForm = target.action === 'new';
      let content = '';
      let revision = '';
      let isNew = true;
      if (!isNewForm) {
        try {
          const page = await uc.readPage(services, actor, { ...ref, path: needPath() });
          if (page.requestedPath !== null) return reply.redirect(actionHref(ref.owner, ref.slug, 'edit', page.path), 301);
          content = page.content;
          revision = page.revision;
          isNew = false;
        } catch (err) {
          if (!isWikiError(err, 'PAGE_NOT_FOUND')) throw err;
        }
      }
      if (!canWrite) throw new WikiError(actor.user ? 'FORBIDDEN' : 'UNAUTHORIZED', actor.user ? `You may read ${ref.owner}/${ref.slug} but not edit it.` : 'Sign in to edit this wiki.');
      const body = vp.editView({ ref: pageRef, path: isNewForm ? '' : path, content, revision, message: '', csrf: ctx.csrf, isNew, conflict: null, error: null });
      return show(200, isNew ? 'New page' : `Edit ${path}`, body, path || null, ['editor.js']);
    }
    case 'POST edit': {
      const pagePath = path || (field(form, 'path') ?? '').trim();
      const content = lf(field(form, 'content') ?? '');
      const revision = field(form, 'revision') || undefined;
      const message = field(form, 'message') ?? '';
      try {
        const result = await uc.writePage(services, actor, { ...ref, path: pagePath, content, ...opt('revision', revision), ...opt('commitMessage', message) });
        const notice = result.merged ? 'merged' : result.changed ? 'saved' : 'unchanged';
        return reply.redirect(pageHref(ref.owner, ref.slug, result.path, `?notice=${notice}`), 303);
      } catch (err) {
        if (isWikiError(err, 'REVISION_CONFLICT') && typeof err.data.current_revision === 'string') {
          const current = await uc.readPage(services, actor, { ...ref, path: pagePath });
          const body = vp.editView({
            ref: pageRef,
            path: current.path,
            content,
            revision: current.revision,
            message,
            csrf: ctx.csrf,
            isNew: false,
            conflict: { current: current.content, currentRevision: current.revision, message: err.message },
            error: null,
          });
          return show(409, `Conflict: ${current.path}`, body, current.path, ['editor.js']);
        }
        if (isWikiError(err) && ['INVALID_PATH', 'INVALID_INPUT', 'PAYLOAD_TOO_LARGE', 'QUOTA_EXCEEDED', 'REVISION_CONFLICT'].includes(err.code)) {
          const body = vp.editView({ ref: pageRef, path: pagePath, content, revision: revision ?? '', message, csrf: ctx.csrf, isNew: revision === undefined, conflict: null, error: err.message });
          return show(WEB_STATUS[err.code], `Edit ${pagePath}`, body, null, ['editor.js']);
        }
        throw err;
      }
    }
    case 'POST preview': {
      const rendered = await uc.renderPreview(services, actor, ref, lf(field(form, 'content') ?? ''));
      return reply.header('content-type', 'text/html; charset=utf-8').header('x-content-type-options', 'nosniff').send(rendered.html);
    }
    case 'GET pages.json': {
      jsonRequests.add(request);
      return reply.header('cache-control', 'no-store').send({ pages: await pagePaths(services, actor, ref) });
    }
    case 'POST upload': {
      // `filename` is the name to store under: the upload form may rename the file picked. `replace=0` refuses a clash.
      const filename = q.filename ?? '';
      const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
      const result = await uc.uploadAttachment(services, actor, { ...ref, path: needPath(), filename, content: body, replace: q.replace !== '0' });
      const page = path;
      return reply.code(201).send({ name: result.name, url: actionHref(ref.owner, ref.slug, 'file', `${page}/${result.name}`) });
    }
    case 'GET attachments': {
      const list = await uc.listAttachmentDetails(services, actor, { ...ref, path: needPath() });
      const notice = q.notice ?? null;
      return show(200, `Attachments of ${path}`, vp.attachmentsView(pageRef, path, list, can(actor, 'upload', access), ctx.csrf, notice), path);
    }
    case 'POST attachments': {
      const del = field(form, 'delete');
      const rename = field(form, 'rename');
      let notice = '';
      if (del) {
        await uc.deleteAttachment(services, actor, { ...ref, path: needPath(), filename: del });
        notice = `Deleted ${del}.`;
      } else if (rename) {
        const to = field(form, 'new_name') ?? '';
        await uc.renameAttachment(services, actor, { ...ref, path: needPath(), filename: rename, newFilename: to });
        notice = `Renamed ${rename} to ${to}.`;
      } else throw new WikiError('INVALID_INPUT', 'Say which attachment to delete or rename.');
      return reply.redirect(actionHref(ref.owner, ref.slug, 'attachments', path, `?notice=${encodeURIComponent(notice)}`), 303);
    }
    case 'GET file': {
      const slash = path.lastIndexOf('/');
      if (slash < 0) throw new WikiError('INVALID_PATH', 'Name the file as -/file/<Page>/<file name>.');
      return sendFile(services, actor, reply, ref, path.slice(0, slash), path.slice(slash + 1), q.revision);
    }
    case 'GET thumb': {
      const slash = path.lastIndexOf('/');
      if (slash < 0) throw new WikiError('INVALID_PATH', 'Name the image as -/thumb/<Page>/<file name>?size=<pixels>.');
      return sendThumbnail(services, actor, request, reply, ref, path.slice(0, slash), path.slice(slash + 1));
    }
    case 'GET commit': {
      const c = await uc.commitDetails(services, actor, { ...ref, commit: path });
      return show(200, `Commit ${c.oid.slice(0, 7)}`, vw.commitView(pageRef, c));
    }
    case 'GET attachment-history': {
      const slash = path.lastIndexOf('/');
      if (slash < 0) throw new WikiError('INVALID_PATH', 'Name the file as -/attachment-history/<Page>/<file name>.');
      const h = await uc.attachmentHistory(services, actor, { ...ref, path: path.slice(0, slash), filename: path.slice(slash + 1) });
      return show(200, `History of ${h.name}`, vp.attachmentHistoryView(pageRef, h), h.path);
    }
    case 'GET history': {
      const h = await uc.pageHistory(services, actor, { ...ref, path: needPath(), limit: 200 });
      return show(200, `History of ${h.path}`, vw.historyView(pageRef, h.path, h.entries, canWrite, ctx.csrf), h.path);
    }
    case 'GET diff': {
      let from = q.from;
      const to = q.to;
      if (!from) {
        // "The change made by commit X": compare with the revision before it in the page's history.
        const h = await uc.pageHistory(services, actor, { ...ref, path: needPath(), limit: 1000 });
        const at = to ? h.entries.findIndex((e) => e.oid.startsWith(to)) : 0;
        if (at < 0) throw new WikiError('REVISION_NOT_FOUND', `Revision ${to ?? ''} is not in the history of "${h.path}".`);
        from = h.entries[at + 1]?.oid ?? h.entries[at]!.parents[0] ?? h.entries[at]!.oid;
      }
      const d = await uc.pageDiff(services, actor, { ...ref, path: needPath(), from, ...opt('to', to) });
      const mode = q.view === 'split' ? 'split' : 'unified';
      return show(200, `Diff of ${d.path}`, vw.diffView({ ref: pageRef, path: d.path, from: d.from, to: d.to, hunks: d.hunks, stats: d.stats, mode }), d.path);
    }
    case 'GET blame': {
      const b = await uc.pageBlame(services, actor, { ...ref, path: needPath(), ...opt('revision', q.revision) });
      return show(200, `Blame of ${b.path}`, vw.blameView(pageRef, b.path, b.revision, b.lines), b.path);
    }
    case 'GET source':
    case 'GET raw': {
      const page = await uc.readPage(services, actor, { ...ref, path: needPath(), ...opt('revision', q.revision) });
      if (target.action === 'raw') {
        return reply
          .header('content-type', 'text/plain; charset=utf-8')
          .header('x-content-type-options', 'nosniff')
          .header('content-security-policy', "default-src 'none'; sandbox")
          .send(page.content);
      }
      return show(200, `Source of ${page.path}`, vp.sourceView(pageRef, page), page.path);
    }
    case 'GET rename': {
      const links = await uc.pageLinks(services, actor, { ...ref, path: needPath() });
      if (!canWrite) throw new WikiError(actor.user ? 'FORBIDDEN' : 'UNAUTHORIZED', `You may not rename pages of ${ref.owner}/${ref.slug}.`);
      return show(200, `Rename ${links.path}`, vp.renameView(pageRef, links.path, links.linkedFrom, ctx.csrf, null), links.path);
    }
    case 'POST rename': {
      const result = await uc.renamePage(services, actor, {
        ...ref,
        path: needPath(),
        newPath: (field(form, 'new_path') ?? '').trim(),
        updateLinks: field(form, 'update_links') === '1',
        ...opt('commitMessage', field(form, 'message')),
      });
      return reply.redirect(pageHref(ref.owner, ref.slug, result.path, `?notice=renamed&updated=${result.rewritten.length}`), 303);
    }
    case 'GET delete': {
      const page = await uc.readPage(services, actor, { ...ref, path: needPath() });
      if (!canWrite) throw new WikiError(actor.user ? 'FORBIDDEN' : 'UNAUTHORIZED', `You may not delete pages of ${ref.owner}/${ref.slug}.`);
      const list = await uc.listAttachments(services, actor, { ...ref, path: page.path });
      const subpages = (await uc.listPages(services, actor, { ...ref, prefix: `${page.path}/`, limit: 10_000 })).pages.map((p) => p.path);
      return show(200, `Delete ${page.path}`, vp.deleteView(pageRef, page.path, page.revision, list, subpages, ctx.csrf), page.path);
    }
    case 'POST delete': {
      await uc.deletePage(services, actor, {
        ...ref,
        path: needPath(),
        ...opt('revision', field(form, 'revision')),
        ...opt('commitMessage', field(form, 'message')),
        withSubpages: field(form, 'with_subpages') === '1',
      });
      return reply.redirect(actionHref(ref.owner, ref.slug, 'changes'), 303);
    }
    case 'POST revert': {
      await uc.revertCommit(services, actor, { ...ref, commit: field(form, 'commit') ?? '', ...opt('commitMessage', field(form, 'message')) });
      return reply.redirect(safeNext(field(form, 'next'), actionHref(ref.owner, ref.slug, 'changes')), 303);
    }
    case 'GET changes': {
      const offset = Math.max(0, Number.parseInt(q.offset ?? '0', 10) || 0);
      const changes = await uc.recentChanges(services, actor, { ...ref, limit: 50, offset });
      return show(200, 'Recent changes', vw.changesView(pageRef, changes, offset, 50));
    }
    case 'GET feed.atom':
    case 'GET feed.rss': {
      const changes = await uc.recentChanges(services, actor, { ...ref, limit: 50 });
      const base = services.config.baseUrl?.replace(/\/$/, '') ?? `${request.protocol}://${request.headers.host ?? 'localhost'}`;
      const atom = target.action === 'feed.atom';
      return reply
        .header('content-type', atom ? 'application/atom+xml; charset=utf-8' : 'application/rss+xml; charset=utf-8')
        .header('x-content-type-options', 'nosniff')
        .send(atom ? vw.atomFeed(base, pageRef, changes) : vw.rssFeed(base, pageRef, changes));
    }
    case 'GET index': {
      // The index only changes with a commit (and reads the same for everyone who may read the wiki).
      const head = (await uc.recentChanges(services, actor, { ...ref, limit: 1 }))[0]?.oid ?? '';
      const key = `${access.wiki.id}:${head}:${q.category ?? ''}`;
      let body = indexes.get(key);
      if (!body) {
        const [list, outlines] = await Promise.all([
          uc.listPages(services, actor, { ...ref, limit: 10_000, ...opt('category', q.category) }),
          uc.pageOutlines(services, actor, { ...ref, ...opt('category', q.category) }),
        ]);
        const pages = list.pages.map((p) => ({ path: p.path, title: p.title, category: p.category }));
        const tree = pageTree(ref.owner, ref.slug, pages.map((p) => p.path));
        body = vw.indexView(pageRef, pages, tree, q.category ?? null, outlines);
        indexes.set(key, body);
      }
      return show(200, 'Page index', body);
    }
    case 'GET search': {
      const text = (q.q ?? '').trim();
      const filters = { prefix: q.prefix ?? '', category: q.category ?? '', tag: q.tag ?? '', caseSensitive: q.case === '1', regex: q.regex === '1' };
      let hits: vw.SearchHitView[] | null = null;
      let error: string | null = null;
      if (text) {
        try {
          hits = await uc.searchWiki(services, actor, { ...ref, query: text, ...opt('prefix', filters.prefix), ...opt('category', filters.category), ...opt('tag', filters.tag), caseSensitive: filters.caseSensitive, regex: filters.regex, limit: 50 });
        } catch (err) {
          if (!isWikiError(err, 'INVALID_INPUT')) throw err;
          error = err.message;
        }
      } else if (filters.tag || filters.category || filters.prefix) {
        const list = await uc.listPages(services, actor, { ...ref, ...opt('prefix', filters.prefix), ...opt('category', filters.category), ...opt('tag', filters.tag), limit: 200 });
        hits = list.pages.map((p) => ({ path: p.path, title: p.title, category: p.category, tags: p.tags, snippet: '' }));
      }
      return sendHtml(reply, ctx, 200, text ? `Search: ${text}` : 'Search', vw.searchView(pageRef, text, filters, hits, error), await frame(null), undefined);
    }
    case 'GET sync':
      return show(200, 'External sync', syncView(pageRef, await uc.getSync(services, actor, ref), ctx.csrf, q.notice ?? null));
    case 'POST sync': {
      const status = await uc.runSyncNow(services, actor, ref);
      const notice = `Sync ran: ${status.lastResult ?? status.state}.`;
      return reply.redirect(actionHref(ref.owner, ref.slug, 'sync', undefined, `?notice=${encodeURIComponent(notice)}`), 303);
    }
    case 'GET sitemap.xml':
    case 'GET robots.txt': {
      const base = services.config.baseUrl?.replace(/\/$/, '') ?? `${request.protocol}://${request.headers.host ?? 'localhost'}`;
      const isPublic = access.wiki.visibility === 'public';
      if (target.action === 'robots.txt') {
        return reply.header('content-type', 'text/plain; charset=utf-8').header('x-content-type-options', 'nosniff').send(vw.robotsTxt(base, pageRef, isPublic));
      }
      // Crawlers only: a private wiki has no sitemap, even for its members.
      if (!isPublic) throw new WikiError('PAGE_NOT_FOUND', `${ref.owner}/${ref.slug} is private: it has no sitemap.`);
      const list = await uc.listPages(services, actor, { ...ref, limit: 10_000 });
      return reply
        .header('content-type', 'application/xml; charset=utf-8')
        .header('x-content-type-options', 'nosniff')
        .send(vw.sitemapXml(base, pageRef, list.pages.map((p) => ({ path: p.path, lastmod: p.lastChange.date }))));
    }
    case 'GET health': {
      const [orphans, broken, stale] = await Promise.all([
        uc.orphanPages(services, actor, ref),
        uc.brokenLinks(services, actor, ref),
        uc.stalePages(services, actor, { ...ref, ...(q.days && /^\d+$/.test(q.days) ? { days: Number(q.days) } : {}) }),
      ]);
      return show(200, 'Wiki health', vw.healthView(pageRef, orphans, broken, stale));
    }
  }
  throw new WikiError('INVALID_INPUT', `There is no ${request.method} action "${target.action}" here.`);
}

/** Page index bodies by wiki id, commit and category filter. */
const indexes = new LRUCache<string, Html>({ max: 64 });

/** Sidebar trees by wiki id, with the commit they were built at: the page list only changes with a new commit. */
const trees = new LRUCache<number, { head: string; paths: string[]; tree: Html }>({ max: 256 });

async function cachedTree(services: Services, actor: Actor, wikiId: number, ref: WikiRef): Promise<Html> {
  const head = (await uc.recentChanges(services, actor, { ...ref, limit: 1 }))[0]?.oid ?? '';
  const hit = trees.get(wikiId);
  if (hit && hit.head === head) return hit.tree;
  const paths = await pagePaths(services, actor, ref);
  const tree = pageTree(ref.owner, ref.slug, paths);
  trees.set(wikiId, { head, paths, tree });
  return tree;
}

async function pagePaths(services: Services, actor: Actor, ref: WikiRef): Promise<string[]> {
  const list = await uc.listPages(services, actor, { ...ref, limit: 10_000 });
  return list.pages.map((p) => p.path);
}

const NOTICES: Record<string, string> = {
  saved: 'Saved.',
  merged: 'Saved. Someone else changed this page while you were editing; the changes did not overlap and were merged.',
  unchanged: 'Nothing changed: the text was the same as the current page.',
};

async function viewPage(
  services: Services,
  request: FastifyRequest,
  reply: FastifyReply,
  ctx: WebContext,
  ref: vp.PageRef,
  path: string,
  canWrite: boolean,
  show: (status: number, title: string, body: Html, current?: string | null) => Promise<FastifyReply>,
): Promise<FastifyReply> {
  const q = query(request);
  const wiki = { owner: ref.owner, slug: ref.slug };
  let page: uc.PageView;
  try {
    page = await uc.readPage(services, ctx.actor, { ...wiki, path, format: 'html', ...opt('revision', q.revision) });
  } catch (err) {
    if (!isWikiError(err, 'PAGE_NOT_FOUND') && !isWikiError(err, 'INVALID_PATH')) throw err;
    // `/<owner>/<wiki>/<Page>/<file.ext>`: an attachment addressed like a page (links written as `/Page/x.png`).
    const slash = path.lastIndexOf('/');
    if (slash > 0 && /\.[A-Za-z0-9]{1,8}$/.test(path)) {
      try {
        return await sendFile(services, ctx.actor, reply, wiki, path.slice(0, slash), path.slice(slash + 1), q.revision);
      } catch (fileErr) {
        if (!isWikiError(fileErr)) throw fileErr;
      }
    }
    if (isWikiError(err, 'INVALID_PATH')) throw err;
    const children = (await uc.listPages(services, ctx.actor, { ...wiki, prefix: `${path}/`, limit: 500 })).pages;
    return show(children.length ? 200 : 404, path, vp.missingPageView(ref, path, canWrite, children), path);
  }
  if (page.requestedPath !== null) {
    const qs = (request.raw.url ?? '').split('?')[1];
    return reply.redirect(pageHref(ref.owner, ref.slug, page.path, qs ? `?${qs}` : ''), 301);
  }
  const attachments = await uc.listAttachments(services, ctx.actor, { ...wiki, path: page.path });
  let notice = q.notice ? (NOTICES[q.notice] ?? null) : null;
  if (q.notice === 'renamed') notice = `Renamed. ${Number(q.updated ?? 0)} page(s) had their links updated.`;
  const oldRevision = q.revision !== undefined && page.revision !== page.currentRevision;
  return show(200, page.title, vp.pageView({ ref, page, attachments, canWrite, oldRevision, notice }), page.path);
}

async function sendFile(services: Services, actor: Actor, reply: FastifyReply, ref: WikiRef, page: string, name: string, revision: string | undefined) {
  const file = await uc.downloadAttachment(services, actor, { ...ref, path: page, filename: name, ...opt('revision', revision) });
  // Raster images may show inline; everything else (SVG and HTML included) downloads, and never runs as our origin.
  const inline = /^image\/(png|jpeg|gif|webp|avif)$/.test(file.mimeType);
  return reply
    .code(200)
    .header('content-type', file.mimeType)
    .header('content-disposition', `${inline ? 'inline' : 'attachment'}; filename*=UTF-8''${encodeURIComponent(file.name)}`)
    .header('x-content-type-options', 'nosniff')
    .header('content-security-policy', "default-src 'none'; sandbox")
    .header('cache-control', 'private, no-cache')
    .header('etag', `"${file.oid}"`)
    .send(file.content);
}

/**
 * A thumbnail (`?size=`, `?revision=`). Its ETag is the blob id and size, so a revalidation never decodes the image;
 * the address is immutable when it names the content (`?v=<blob id>` as the views link it, or a full commit id).
 */
async function sendThumbnail(services: Services, actor: Actor, request: FastifyRequest, reply: FastifyReply, ref: WikiRef, page: string, name: string) {
  const q = query(request);
  const size = q.size === undefined || q.size === '' ? 200 : /^\d{1,9}$/.test(q.size) ? Number(q.size) : Number.NaN;
  const thumb = await uc.attachmentThumbnail(services, actor, { ...ref, path: page, filename: name, size, ...opt('revision', q.revision) });
  const fixed = q.v === thumb.oid || /^([0-9a-f]{40}|[0-9a-f]{64})$/i.test(q.revision ?? '');
  reply
    .header('etag', thumb.etag)
    .header('cache-control', fixed ? 'private, max-age=31536000, immutable' : 'private, no-cache')
    .header('x-content-type-options', 'nosniff')
    .header('content-security-policy', "default-src 'none'; sandbox");
  if (etagMatches(request.headers['if-none-match'], thumb.etag)) return reply.code(304).send();
  const t = await thumb.render();
  return reply
    .code(200)
    .header('content-type', t.mimeType)
    .header('content-disposition', `inline; filename*=UTF-8''${encodeURIComponent(thumb.name)}`)
    .send(t.content);
}

/** Fastify's own errors (body too large, bad content type) and unknown ones, as WikiErrors. */
function toWikiError(err: unknown): WikiError {
  if (isWikiError(err)) return err;
  const e = err as { code?: string; statusCode?: number; message?: string };
  if (e.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return new WikiError('PAYLOAD_TOO_LARGE', 'The request body is larger than the server accepts.');
  if (typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) return new WikiError('INVALID_INPUT', e.message ?? 'Bad request.');
  return new WikiError('INTERNAL', 'Internal error.');
}
