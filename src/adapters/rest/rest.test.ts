// Unit tests of the REST adapter: page-tail parsing, JSON in and out, the error table and the OpenAPI document.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import Fastify from 'fastify';
import { ERROR_CODES, isWikiError } from '../../errors.js';
import type { Services } from '../../usecases/index.js';
import { HTTP_STATUS } from './error-table.js';
import { parseJsonBody, snake } from './json.js';
import { OPENAPI_DOCUMENT, openApiDocument } from './openapi.js';
import { parsePageTail, registerRestRoutes } from './routes.js';

void describe('parsePageTail', () => {
  const cases: Array<[string, ReturnType<typeof parsePageTail>]> = [
    ['Home', { path: 'Home', op: { kind: 'page' } }],
    ['Actors/Iran', { path: 'Actors/Iran', op: { kind: 'page' } }],
    ['Actors/Iran%20Regime', { path: 'Actors/Iran Regime', op: { kind: 'page' } }],
    ['Actors/Iran/history', { path: 'Actors/Iran', op: { kind: 'history' } }],
    ['Actors/Iran/blame', { path: 'Actors/Iran', op: { kind: 'blame' } }],
    ['Actors/Iran/diff', { path: 'Actors/Iran', op: { kind: 'diff' } }],
    ['Actors/Iran/rename', { path: 'Actors/Iran', op: { kind: 'rename' } }],
    ['Actors/Iran/attachments', { path: 'Actors/Iran', op: { kind: 'attachments' } }],
    ['Actors/Iran/attachments/map.png', { path: 'Actors/Iran', op: { kind: 'attachment', name: 'map.png' } }],
    ['Actors/Iran/attachments/map%20v2.png/rename', { path: 'Actors/Iran', op: { kind: 'attachment-rename', name: 'map v2.png' } }],
    // A page really named like an operation is reached by encoding the slash before it.
    ['Notes%2Fhistory', { path: 'Notes/history', op: { kind: 'page' } }],
    ['history', { path: 'history', op: { kind: 'page' } }],
    ['attachments/x', { path: 'attachments/x', op: { kind: 'page' } }],
    // Encoded traversal decodes to what it says, for the path rules to refuse.
    ['Page/attachments/%2e%2e%2fx', { path: 'Page', op: { kind: 'attachment', name: '../x' } }],
    ['a%2F..%2Fb', { path: 'a/../b', op: { kind: 'page' } }],
    ['', { path: '', op: { kind: 'page' } }],
  ];
  for (const [tail, expected] of cases) {
    void test(JSON.stringify(tail), () => assert.deepEqual(parsePageTail(tail), expected));
  }

  void test('malformed percent-encoding is INVALID_PATH', () => {
    assert.throws(
      () => parsePageTail('bad%E0%A4%A'),
      (err: unknown) => isWikiError(err, 'INVALID_PATH') && /percent-encoding/.test(err.message),
    );
  });
});

void describe('JSON in and out', () => {
  void test('snake converts keys deeply but keeps front matter and buffers as they are', () => {
    const buf = Buffer.from('x');
    assert.deepEqual(
      snake({ lastCommit: { authorName: 'a' }, linksTo: [{ targetKey: 'k' }], frontmatter: { lastUpdated: 1, myKey: 2 }, blob: buf, n: null }),
      { last_commit: { author_name: 'a' }, links_to: [{ target_key: 'k' }], frontmatter: { lastUpdated: 1, myKey: 2 }, blob: buf, n: null },
    );
    assert.equal(snake('plainString'), 'plainString');
  });

  void test('parseJsonBody parses strict UTF-8 JSON; empty is {}', () => {
    assert.deepEqual(parseJsonBody(Buffer.from('{"a":[1,"é"]}')), { a: [1, 'é'] });
    assert.deepEqual(parseJsonBody(Buffer.from('  ')), {});
    assert.throws(
      () => parseJsonBody(Buffer.from([0x7b, 0x22, 0xc3, 0x28, 0x22, 0x7d])),
      (err: unknown) => isWikiError(err, 'INVALID_INPUT') && /UTF-8/.test(err.message),
    );
    assert.throws(
      () => parseJsonBody(Buffer.from('{"a":')),
      (err: unknown) => isWikiError(err, 'INVALID_INPUT') && /not valid JSON/.test(err.message),
    );
  });
});

void describe('error table', () => {
  void test('every error code has an HTTP status, and only error statuses', () => {
    for (const code of ERROR_CODES) {
      const status = HTTP_STATUS[code];
      assert.equal(typeof status, 'number', `${code} is not mapped`);
      assert.ok(status >= 400 && status <= 599, `${code} → ${status}`);
    }
    assert.deepEqual(Object.keys(HTTP_STATUS).sort(), [...ERROR_CODES].sort());
  });

  void test('the statuses the API promises', () => {
    assert.equal(HTTP_STATUS.WIKI_NOT_FOUND, 404, 'wikis the caller may not see are not found, not forbidden');
    assert.equal(HTTP_STATUS.REVISION_CONFLICT, 409);
    assert.equal(HTTP_STATUS.UNAUTHORIZED, 401);
    assert.equal(HTTP_STATUS.FORBIDDEN, 403);
    assert.equal(HTTP_STATUS.PAYLOAD_TOO_LARGE, 413);
    assert.equal(HTTP_STATUS.REPOSITORY_CORRUPT, 500);
  });
});

interface Operation {
  parameters?: Array<{ name: string; in: string }>;
  responses: Record<string, { content?: Record<string, { schema?: unknown }> }>;
  security?: unknown[];
}
type Paths = Record<string, Record<string, Operation>>;

/** The routes registerRestRoutes adds, as [METHOD, fastify url]. */
async function registeredRoutes(): Promise<Array<[string, string]>> {
  const app = Fastify();
  const routes: Array<[string, string]> = [];
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) if (method !== 'HEAD') routes.push([method, route.url]);
  });
  registerRestRoutes(app, {} as Services);
  await app.ready();
  await app.close();
  return routes;
}

const toOpenApi = (url: string) => url.replace(/:(\w+)/g, '{$1}');

void describe('OpenAPI document', () => {
  const doc = openApiDocument() as { openapi: string; paths: Paths; components: { securitySchemes: Record<string, unknown>; schemas: Record<string, { properties: Record<string, unknown>; required: string[] }> } };

  void test('is OpenAPI 3.1, built once and frozen', () => {
    assert.equal(doc.openapi, '3.1.0');
    assert.equal(openApiDocument(), OPENAPI_DOCUMENT);
    assert.ok(Object.isFrozen(doc) && Object.isFrozen(doc.paths));
    assert.throws(() => {
      (doc.paths as Record<string, unknown>)['/x'] = {};
    }, TypeError);
  });

  void test('describes every registered route', async () => {
    const routes = await registeredRoutes();
    assert.ok(routes.length >= 10);
    for (const [method, url] of routes) {
      const m = method.toLowerCase();
      if (url.endsWith('/*')) {
        // A wildcard route serves a page path plus an operation: each method must be described under it.
        const prefix = toOpenApi(url.slice(0, -2));
        const described = Object.entries(doc.paths).filter(([p, ops]) => p.startsWith(`${prefix}/{path}`) && m in ops);
        assert.ok(described.length > 0, `${method} ${url} is not in the OpenAPI document`);
      } else {
        assert.ok(doc.paths[toOpenApi(url)]?.[m], `${method} ${url} is not in the OpenAPI document`);
      }
    }
    for (const extra of ['/healthz', '/readyz', '/api/v1/openapi.json']) assert.ok(doc.paths[extra]?.get, extra);
  });

  void test('every described page operation is one the router parses to that operation', () => {
    const kinds: Record<string, string> = { '': 'page', '/history': 'history', '/blame': 'blame', '/diff': 'diff', '/rename': 'rename', '/attachments': 'attachments', '/attachments/{name}': 'attachment', '/attachments/{name}/rename': 'attachment-rename', '/attachments/{name}/thumbnail': 'attachment-thumbnail' };
    const prefix = '/api/v1/wikis/{owner}/{wiki}/pages/{path}';
    const pagePaths = Object.keys(doc.paths).filter((p) => p.startsWith(prefix));
    assert.equal(pagePaths.length, Object.keys(kinds).length);
    for (const p of pagePaths) {
      const suffix = p.slice(prefix.length);
      const tail = `Actors/Iran${suffix.replace('{name}', 'map.png')}`;
      assert.equal(parsePageTail(tail).op.kind, kinds[suffix], p);
      assert.equal(parsePageTail(tail).path, 'Actors/Iran');
    }
  });

  void test('bearer auth, path parameters, and the error shape on every operation', () => {
    assert.deepEqual(doc.components.securitySchemes.bearerAuth, { type: 'http', scheme: 'bearer', description: (doc.components.securitySchemes.bearerAuth as { description: string }).description });
    const error = doc.components.schemas.Error!;
    assert.deepEqual(error.required, ['error', 'message', 'data']);
    assert.ok('current_revision' in error.properties);
    for (const [path, ops] of Object.entries(doc.paths)) {
      const names = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
      for (const [method, op] of Object.entries(ops)) {
        const inPath = (op.parameters ?? []).filter((p) => p.in === 'path').map((p) => p.name);
        assert.deepEqual(inPath.sort(), [...names].sort(), `${method} ${path} path parameters`);
        if (!path.startsWith('/api/v1/wikis/')) continue;
        assert.deepEqual(op.responses['404']?.content?.['application/json']?.schema, { $ref: '#/components/schemas/Error' }, `${method} ${path} 404`);
        if (method !== 'get') assert.ok(op.responses['409'], `${method} ${path} documents 409`);
      }
    }
    assert.deepEqual(doc.paths['/healthz']?.get?.security, [], 'health checks need no token');
  });
});
