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
  assert.equal(config.pageCacheMb, 32);
  assert.ok(Object.isFrozen(config));
});

void test('WIKIBOT_* variables override defaults and flags override variables', () => {
  const env = { WIKIBOT_HOST: '0.0.0.0', WIKIBOT_PORT: '9000', WIKIBOT_DATA: '/srv/wiki', WIKIBOT_LOG_LEVEL: 'warn' };
  const fromEnv = loadConfig({}, env);
  assert.deepEqual(
    [fromEnv.host, fromEnv.port, fromEnv.dataDir, fromEnv.logLevel],
    ['0.0.0.0', 9000, '/srv/wiki', 'warn'],
  );
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
    [{}, { WIKIBOT_PAGE_CACHE_MB: '-1' }, /WIKIBOT_PAGE_CACHE_MB must be/],
    [{}, { WIKIBOT_PAGE_CACHE_MB: 'lots' }, /WIKIBOT_PAGE_CACHE_MB must be/],
    [{ data: ' ' }, {}, /--data must not be empty/],
  ];
  for (const [flags, env, message] of cases) {
    assert.throws(
      () => loadConfig(flags, env),
      (err: unknown) => err instanceof ConfigError && message.test(err.message),
    );
  }
});

void test('template and sync settings: off by default, read from WIKIBOT_*, refused when malformed', () => {
  const defaults = loadConfig({}, {});
  assert.deepEqual(
    [
      defaults.templateAllowPrivate,
      defaults.templateAllowHttp,
      defaults.templateAllowLocal,
      defaults.templateMaxBytes,
      defaults.templateTimeoutMs,
    ],
    [false, false, false, 50 * 1024 * 1024, 60_000],
  );
  assert.equal(defaults.secretKey, null);
  assert.equal(defaults.syncIntervalMs, 15 * 60_000);
  const key = Buffer.alloc(32, 7).toString('base64');
  const set = loadConfig(
    {},
    {
      WIKIBOT_TEMPLATE_ALLOW_PRIVATE: 'true',
      WIKIBOT_TEMPLATE_ALLOW_HTTP: '1',
      WIKIBOT_TEMPLATE_ALLOW_LOCAL: 'yes',
      WIKIBOT_TEMPLATE_MAX_BYTES: '2048',
      WIKIBOT_TEMPLATE_TIMEOUT_MS: '5000',
      WIKIBOT_SECRET_KEY: key,
      WIKIBOT_SYNC_INTERVAL_MS: '60000',
    },
  );
  assert.deepEqual(
    [
      set.templateAllowPrivate,
      set.templateAllowHttp,
      set.templateAllowLocal,
      set.templateMaxBytes,
      set.templateTimeoutMs,
      set.secretKey,
      set.syncIntervalMs,
    ],
    [true, true, true, 2048, 5000, key, 60_000],
  );
  const cases: Array<[Record<string, string>, RegExp]> = [
    [{ WIKIBOT_TEMPLATE_ALLOW_HTTP: 'maybe' }, /WIKIBOT_TEMPLATE_ALLOW_HTTP must be true or false/],
    [{ WIKIBOT_TEMPLATE_MAX_BYTES: '10' }, /WIKIBOT_TEMPLATE_MAX_BYTES must be between 1024/],
    [{ WIKIBOT_TEMPLATE_TIMEOUT_MS: 'soon' }, /WIKIBOT_TEMPLATE_TIMEOUT_MS must be a whole number/],
    [
      { WIKIBOT_SECRET_KEY: Buffer.alloc(16).toString('base64') },
      /WIKIBOT_SECRET_KEY must be 32 random bytes in base64.*got 16 bytes/,
    ],
    [{ WIKIBOT_SECRET_KEY: 'not base64!' }, /WIKIBOT_SECRET_KEY must be 32 random bytes/],
    [{ WIKIBOT_SYNC_INTERVAL_MS: '10' }, /WIKIBOT_SYNC_INTERVAL_MS must be between 1000/],
  ];
  for (const [env, message] of cases) {
    assert.throws(
      () => loadConfig({}, env),
      (err: unknown) => err instanceof ConfigError && message.test(err.message),
    );
  }
});

void test('management settings: admin email, rate limits and tier limits from WIKIBOT_TIERS', () => {
  const defaults = loadConfig({}, {});
  assert.deepEqual(
    [defaults.adminEmail, defaults.rateLimitPerIp, defaults.rateLimitPerUser, defaults.rateLimitWindowS],
    [null, 6000, 6000, 60],
  );
  assert.equal(defaults.tiers.free.wikis, 1);
  assert.equal(defaults.trustProxy, false);
  assert.equal(loadConfig({}, { WIKIBOT_TRUST_PROXY: 'true' }).trustProxy, true);
  assert.throws(() => loadConfig({}, { WIKIBOT_TRUST_PROXY: 'perhaps' }), /WIKIBOT_TRUST_PROXY must be true or false/);
  const set = loadConfig(
    {},
    {
      WIKIBOT_ADMIN_EMAIL: 'Boss@Example.org',
      WIKIBOT_RATE_LIMIT_IP: '0',
      WIKIBOT_RATE_LIMIT_USER: '100',
      WIKIBOT_RATE_LIMIT_WINDOW_S: '10',
      WIKIBOT_TIERS: '{"free": {"wikis": 2, "gitPush": true}, "premium": {"collaboratorsPerWiki": 100}}',
    },
  );
  assert.deepEqual(
    [set.adminEmail, set.rateLimitPerIp, set.rateLimitPerUser, set.rateLimitWindowS],
    ['Boss@Example.org', 0, 100, 10],
  );
  assert.deepEqual(set.tiers.free, { ...defaults.tiers.free, wikis: 2, gitPush: true });
  assert.deepEqual(set.tiers.premium, { ...defaults.tiers.premium, collaboratorsPerWiki: 100 });
  assert.ok(Object.isFrozen(set.tiers.free));
  const cases: Array<[Record<string, string>, RegExp]> = [
    [{ WIKIBOT_ADMIN_EMAIL: 'nobody' }, /WIKIBOT_ADMIN_EMAIL must be an email address/],
    [{ WIKIBOT_RATE_LIMIT_IP: '-1' }, /WIKIBOT_RATE_LIMIT_IP must be a whole number/],
    [{ WIKIBOT_RATE_LIMIT_WINDOW_S: '0' }, /WIKIBOT_RATE_LIMIT_WINDOW_S must be between 1/],
    [{ WIKIBOT_TIERS: '{free' }, /WIKIBOT_TIERS must be JSON/],
    [{ WIKIBOT_TIERS: '{"gold": {}}' }, /unknown tier "gold"/],
    [{ WIKIBOT_TIERS: '{"free": {"pages": 3}}' }, /unknown limit "pages"/],
    [{ WIKIBOT_TIERS: '{"free": {"wikis": -1}}' }, /WIKIBOT_TIERS.free.wikis must be a whole number/],
    [{ WIKIBOT_TIERS: '{"free": {"gitPush": "yes"}}' }, /gitPush must be true or false/],
  ];
  for (const [env, message] of cases) {
    assert.throws(
      () => loadConfig({}, env),
      (err: unknown) => err instanceof ConfigError && message.test(err.message),
      JSON.stringify(env),
    );
  }
});

void test('reads the SMTP settings and refuses bad ones, without echoing a password', () => {
  const none = loadConfig({}, {});
  assert.deepEqual([none.smtpUrl, none.smtpFrom], [null, null]);
  const set = loadConfig(
    {},
    { WIKIBOT_SMTP_URL: 'smtps://me:s3cret@mail.example.org:465', WIKIBOT_SMTP_FROM: 'Wikibot <wiki@example.org>' },
  );
  assert.deepEqual(
    [set.smtpUrl, set.smtpFrom],
    ['smtps://me:s3cret@mail.example.org:465', 'Wikibot <wiki@example.org>'],
  );
  assert.equal(
    loadConfig({}, { WIKIBOT_SMTP_URL: 'smtp://127.0.0.1:2525', WIKIBOT_SMTP_FROM: 'wiki@example.org' }).smtpFrom,
    'wiki@example.org',
  );
  const cases: Array<[Record<string, string>, RegExp]> = [
    [{ WIKIBOT_SMTP_URL: 'smtp://127.0.0.1:25' }, /WIKIBOT_SMTP_FROM must be set with WIKIBOT_SMTP_URL/],
    [
      { WIKIBOT_SMTP_URL: 'http://me:s3cret@mail.example.org', WIKIBOT_SMTP_FROM: 'a@b' },
      /WIKIBOT_SMTP_URL must look like smtp:\/\//,
    ],
    [{ WIKIBOT_SMTP_URL: 'mail.example.org', WIKIBOT_SMTP_FROM: 'a@b' }, /WIKIBOT_SMTP_URL must look like/],
    [{ WIKIBOT_SMTP_URL: 'smtp://host/path', WIKIBOT_SMTP_FROM: 'a@b' }, /WIKIBOT_SMTP_URL must look like/],
    [{ WIKIBOT_SMTP_URL: 'smtp://host', WIKIBOT_SMTP_FROM: 'nobody' }, /WIKIBOT_SMTP_FROM must be an address/],
    [
      { WIKIBOT_SMTP_URL: 'smtp://host', WIKIBOT_SMTP_FROM: 'Eve <a@b>\r\nBcc: x@y' },
      /WIKIBOT_SMTP_FROM must be an address/,
    ],
  ];
  for (const [env, message] of cases) {
    assert.throws(
      () => loadConfig({}, env),
      (err: unknown) => err instanceof ConfigError && message.test(err.message) && !err.message.includes('s3cret'),
      JSON.stringify(env),
    );
  }
});

void test('WIKIBOT_OIDC_PROVIDERS: none by default, a JSON array of providers, each mistake named', () => {
  assert.deepEqual(loadConfig({}, {}).oidcProviders, []);
  const one = {
    id: 'corp',
    name: 'Corp SSO',
    issuer: 'https://id.example.org/realms/x',
    client_id: 'wikibot',
    client_secret: 's3cret',
  };
  const set = loadConfig(
    {},
    { WIKIBOT_OIDC_PROVIDERS: JSON.stringify([one, { ...one, id: 'local', issuer: 'http://127.0.0.1:9000' }]) },
  );
  assert.deepEqual(set.oidcProviders, [
    {
      type: 'oidc',
      id: 'corp',
      name: 'Corp SSO',
      issuer: 'https://id.example.org/realms/x',
      clientId: 'wikibot',
      clientSecret: 's3cret',
    },
    {
      type: 'oidc',
      id: 'local',
      name: 'Corp SSO',
      issuer: 'http://127.0.0.1:9000',
      clientId: 'wikibot',
      clientSecret: 's3cret',
    },
  ]);
  assert.ok(Object.isFrozen(set.oidcProviders) && Object.isFrozen(set.oidcProviders[0]));
  const cases: Array<[string, RegExp]> = [
    ['not json', /WIKIBOT_OIDC_PROVIDERS must be a JSON array like/],
    ['{"id": "x"}', /WIKIBOT_OIDC_PROVIDERS must be a JSON array of providers/],
    ['[3]', /WIKIBOT_OIDC_PROVIDERS\[0\] must be an object/],
    [
      JSON.stringify([{ ...one, client_secret: '' }]),
      /WIKIBOT_OIDC_PROVIDERS\[0\]\.client_secret must be a non-empty string/,
    ],
    [JSON.stringify([{ ...one, scope: 'x' }]), /WIKIBOT_OIDC_PROVIDERS\[0\]: unknown field "scope"/],
    [JSON.stringify([{ ...one, id: 'Bad Id' }]), /WIKIBOT_OIDC_PROVIDERS\[0\]\.id must be 1 to 31 lowercase/],
    [JSON.stringify([one, one]), /WIKIBOT_OIDC_PROVIDERS\[1\]\.id "corp" is used by two providers/],
    [JSON.stringify([{ ...one, issuer: 'id.example.org' }]), /WIKIBOT_OIDC_PROVIDERS\[0\]\.issuer must be a URL/],
    [
      JSON.stringify([{ ...one, issuer: 'http://id.example.org' }]),
      /WIKIBOT_OIDC_PROVIDERS\[0\]\.issuer must be an https URL/,
    ],
  ];
  for (const [raw, message] of cases) {
    assert.throws(
      () => loadConfig({}, { WIKIBOT_OIDC_PROVIDERS: raw }),
      (err: unknown) => err instanceof ConfigError && message.test(err.message),
    );
  }
});

void test('WIKIBOT_OIDC_PROVIDERS: a GitHub entry defaults to github.com, takes Enterprise endpoints, and names each mistake', () => {
  const gh = { id: 'github', name: 'GitHub', type: 'github', client_id: 'Iv1.abc', client_secret: 'gh-secret' };
  const [plain, enterprise] = loadConfig(
    {},
    {
      WIKIBOT_OIDC_PROVIDERS: JSON.stringify([
        gh,
        {
          ...gh,
          id: 'ghe',
          name: 'Corp GitHub',
          authorization_endpoint: 'https://git.corp.example/login/oauth/authorize',
          token_endpoint: 'https://git.corp.example/login/oauth/access_token',
          api_url: 'https://git.corp.example/api/v3/',
          timeout_ms: 2500,
        },
      ]),
    },
  ).oidcProviders;
  assert.deepEqual(plain, {
    type: 'github',
    id: 'github',
    name: 'GitHub',
    clientId: 'Iv1.abc',
    clientSecret: 'gh-secret',
    authorizationEndpoint: 'https://github.com/login/oauth/authorize',
    tokenEndpoint: 'https://github.com/login/oauth/access_token',
    apiUrl: 'https://api.github.com',
    timeoutMs: 10_000,
  });
  assert.deepEqual(enterprise, {
    type: 'github',
    id: 'ghe',
    name: 'Corp GitHub',
    clientId: 'Iv1.abc',
    clientSecret: 'gh-secret',
    authorizationEndpoint: 'https://git.corp.example/login/oauth/authorize',
    tokenEndpoint: 'https://git.corp.example/login/oauth/access_token',
    apiUrl: 'https://git.corp.example/api/v3',
    timeoutMs: 2500,
  });
  assert.ok(Object.isFrozen(plain));
  const local = {
    ...gh,
    api_url: 'http://127.0.0.1:9000/api/v3',
    token_endpoint: 'http://localhost:9000/login/oauth/access_token',
  };
  assert.equal(loadConfig({}, { WIKIBOT_OIDC_PROVIDERS: JSON.stringify([local]) }).oidcProviders[0]?.type, 'github');
  const cases: Array<[unknown, RegExp]> = [
    [{ ...gh, type: 'gitlab' }, /WIKIBOT_OIDC_PROVIDERS\[0\]\.type must be "oidc" or "github", got "gitlab"/],
    [{ ...gh, issuer: 'https://github.com' }, /WIKIBOT_OIDC_PROVIDERS\[0\]: unknown field "issuer" for type "github"/],
    [
      { ...gh, type: undefined, issuer: 'https://id.example.org', api_url: 'https://x.example' },
      /\[0\]: unknown field "api_url" for type "oidc"/,
    ],
    [{ ...gh, client_secret: ' ' }, /WIKIBOT_OIDC_PROVIDERS\[0\]\.client_secret must be a non-empty string/],
    [{ ...gh, api_url: 'api.github.com' }, /WIKIBOT_OIDC_PROVIDERS\[0\]\.api_url must be a URL, got "api.github.com"/],
    [
      { ...gh, token_endpoint: 'http://git.corp.example/login/oauth/access_token' },
      /\[0\]\.token_endpoint must be an https URL \(plain http only on localhost\)/,
    ],
    [{ ...gh, authorization_endpoint: '' }, /\[0\]\.authorization_endpoint must be a non-empty string/],
    [{ ...gh, timeout_ms: 50 }, /\[0\]\.timeout_ms must be a whole number of milliseconds from 100 to 60000, got 50/],
    [{ ...gh, timeout_ms: '5000' }, /\[0\]\.timeout_ms must be a whole number/],
  ];
  for (const [entry, message] of cases) {
    const raw = JSON.stringify([entry]);
    assert.throws(
      () => loadConfig({}, { WIKIBOT_OIDC_PROVIDERS: raw }),
      (err: unknown) => err instanceof ConfigError && message.test(err.message),
      raw,
    );
  }
});
