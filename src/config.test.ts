import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { test } from 'node:test';
import { ConfigError, loadConfig } from './config.js';

void test('defaults serve 127.0.0.1:8080 with data in ./data', () => {
  const config = loadConfig({}, {});
  assert.equal(config.host, '127.0.0.1');
  assert.equal(config.port, 8080);
  assert.equal(config.dataDir, resolve('data'));
  assert.equal(config.maxPageChars, 1_000_000);
  assert.ok(Object.isFrozen(config));
});

void test('WIKIBOT_* variables override defaults and flags override variables', () => {
  const env = { WIKIBOT_HOST: '0.0.0.0', WIKIBOT_PORT: '9000', WIKIBOT_DATA: '/srv/wiki', WIKIBOT_LOG_LEVEL: 'warn' };
  const fromEnv = loadConfig({}, env);
  assert.deepEqual([fromEnv.host, fromEnv.port, fromEnv.dataDir, fromEnv.logLevel], ['0.0.0.0', 9000, '/srv/wiki', 'warn']);
  const fromFlags = loadConfig({ host: '::1', port: '0', data: '/tmp/x' }, env);
  assert.deepEqual([fromFlags.host, fromFlags.port, fromFlags.dataDir], ['::1', 0, '/tmp/x']);
});

void test('a bad setting stops start-up with a message naming the setting', () => {
  const cases: Array<[Parameters<typeof loadConfig>[0], Record<string, string>, RegExp]> = [
    [{ port: 'eighty' }, {}, /--port must be a whole number/],
    [{}, { WIKIBOT_PORT: '70000' }, /WIKIBOT_PORT must be between 0 and 65535/],
    [{ host: 'bad host!' }, {}, /--host is not a host name/],
    [{}, { WIKIBOT_LOG_LEVEL: 'loud' }, /WIKIBOT_LOG_LEVEL must be one of/],
    [{}, { WIKIBOT_BASE_URL: 'ftp://x' }, /WIKIBOT_BASE_URL must be an http\(s\) URL/],
    [{}, { WIKIBOT_MAX_PAGE_CHARS: '-1' }, /WIKIBOT_MAX_PAGE_CHARS must be a whole number/],
    [{}, { WIKIBOT_GIT_PROCESSES: '1' }, /WIKIBOT_GIT_PROCESSES must be between 2/],
    [{ data: ' ' }, {}, /--data must not be empty/],
  ];
  for (const [flags, env, message] of cases) {
    assert.throws(() => loadConfig(flags, env), (err: unknown) => err instanceof ConfigError && message.test(err.message));
  }
});
