/**
 * Builds the HTTP server from configuration and stores: request ids, JSON logs, body parsing, error mapping, health
 * endpoints and every adapter's routes. It never listens; `cli.ts serve` does.
 */
import { randomUUID } from 'node:crypto';
import { access, constants } from 'node:fs/promises';
import { join } from 'node:path';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { registerGitHttpRoutes } from './adapters/git-http/index.js';
import { registerMcpRoutes } from './adapters/mcp/index.js';
import { registerOAuthRoutes } from './adapters/oauth/index.js';
import {
  HTTP_STATUS,
  openApiDocument,
  parseJsonBody,
  registerManagementRoutes,
  registerRateLimit,
  registerRestRoutes,
  registerSyncRoutes,
} from './adapters/rest/index.js';
import { registerAccountRoutes, registerEmailRoutes, registerOidcRoutes, registerWebRoutes } from './adapters/web/index.js';
import { isWikiError, WikiError } from './errors.js';
import type { Services } from './usecases/index.js';

export interface AppOptions {
  services: Services;
  /** Log requests as JSON lines (default true). */
  logger?: boolean;
}

export function buildApp({ services, logger = true }: AppOptions): FastifyInstance {
  const { config } = services;
  const app = Fastify({
    logger: logger && config.logLevel !== 'silent' ? { level: config.logLevel } : false,
    bodyLimit: config.maxBodyBytes,
    // Behind a reverse proxy the client address (rate limits, logs) comes from X-Forwarded-For.
    trustProxy: config.trustProxy,
    requestIdHeader: 'x-request-id',
    genReqId: () => randomUUID(),
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 2048 },
    // Errors Fastify raises before routing (a URL with malformed percent-encoding) keep the API's error shape too.
    frameworkErrors: (err, request, reply) => {
      const code = err.code === 'FST_ERR_BAD_URL' ? 'INVALID_PATH' : 'INVALID_INPUT';
      const message = err.code === 'FST_ERR_BAD_URL' ? `The address has malformed percent-encoding: ${request.url}` : err.message;
      void (reply as FastifyReply).code(400).send({ error: code, message, data: {} });
    },
  });

  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_req, body, done) => {
    try {
      done(null, parseJsonBody(body as Buffer));
    } catch (err) {
      done(err as Error, undefined);
    }
  });
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));

  app.addHook('onSend', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });

  app.setErrorHandler((err: unknown, request, reply) => {
    const error = toWikiError(err);
    const status = HTTP_STATUS[error.code];
    if (status >= 500) request.log.error({ err, code: error.code }, 'request failed');
    const body: Record<string, unknown> = {
      error: error.code,
      // A 5xx message and data may name server paths (a repository's directory): callers get the code and request id.
      message: status >= 500 ? serverErrorMessage(error.code, request.id) : error.message,
      data: status >= 500 ? {} : error.data,
    };
    if ('current_revision' in error.data) body.current_revision = error.data.current_revision;
    return reply.code(status).send(body);
  });
  const noRoute = (request: FastifyRequest, reply: FastifyReply) =>
    reply.code(404).send({ error: 'INVALID_INPUT', message: `No route ${request.method} ${request.url.split('?')[0]}.`, data: {} });
  app.setNotFoundHandler(noRoute);
  // Unknown API addresses answer in the API's JSON shape, never with a web page for owner "api".
  app.all('/api/*', noRoute);

  registerRateLimit(app, services);
  app.get('/healthz', (_req, reply) => reply.send({ status: 'ok' }));
  app.get('/readyz', async (_req, reply) => {
    try {
      await services.meta.ping();
      await access(join(config.dataDir, 'repos'), constants.W_OK);
      return { status: 'ready' };
    } catch (err) {
      return reply.code(503).send({ status: 'unavailable', message: (err as Error).message });
    }
  });
  app.get('/api/v1/openapi.json', (_req, reply) => reply.send(openApiDocument()));
  registerRestRoutes(app, services);
  registerManagementRoutes(app, services);
  registerSyncRoutes(app, services);
  registerMcpRoutes(app, services);
  registerOAuthRoutes(app, services);
  registerGitHttpRoutes(app, services);
  registerWebRoutes(app, services);
  registerAccountRoutes(app, services);
  registerEmailRoutes(app, services);
  registerOidcRoutes(app, services);
  return app;
}

function serverErrorMessage(code: string, requestId: string): string {
  if (code === 'REPOSITORY_CORRUPT') {
    return `This wiki's repository cannot be read; the problem was logged for the operator (request ${requestId}).`;
  }
  return `Internal error (request ${requestId}).`;
}

/** Fastify's own errors (body too large, bad content type) and unknown ones, as WikiErrors. */
function toWikiError(err: unknown): WikiError {
  if (isWikiError(err)) return err;
  const e = err as { code?: string; statusCode?: number; message?: string };
  if (e.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return new WikiError('PAYLOAD_TOO_LARGE', 'The request body is larger than the server accepts.');
  if (e.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE' || e.code === 'FST_ERR_CTP_EMPTY_JSON_BODY') {
    return new WikiError('INVALID_INPUT', e.message ?? 'Unsupported request body.');
  }
  if (typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) {
    return new WikiError('INVALID_INPUT', e.message ?? 'Bad request.');
  }
  return new WikiError('INTERNAL', 'Internal error.');
}
