/**
 * The `wikibot` command: `serve` listens; the other commands administer an installation directly through the same
 * use cases. Every command takes `--data <dir>` (or WIKIBOT_DATA).
 */
import { parseArgs } from 'node:util';
import { buildApp } from './app.js';
import { cliActor } from './auth/actor.js';
import { rotateSigningKey } from './auth/oauth/keys.js';
import { ConfigError, loadConfig, type Config } from './config.js';
import { isWikiError } from './errors.js';
import { JobWorker } from './adapters/jobs/index.js';
import * as uc from './usecases/index.js';
import { createResetLink } from './usecases/password-reset.js';

const USAGE = `Usage: wikibot <command> [options]

Commands:
  serve                               serve web, REST API and MCP (default 127.0.0.1:8080)
        [--host <addr>] [--port <n>]
  user create <username> --email <e> --password <p> [--name <n>] [--admin]
  user set-tier <username> free|premium|lapsed
                                      lapsed: the user's wikis become read-only
  user disable <username>             tokens and sessions stop working at once
  user enable <username>
  user reset-link <username>          prints a one-time password-reset link (works once, for an hour);
                                      uses WIKIBOT_BASE_URL, else http://host:port
  wiki create <owner>/<slug> [--name <n>] [--purpose <p>] [--public]
              [--template <url>]    start from a git repository (premium owners)
  token create --user <username> [--wiki <owner>/<slug>] [--scope read|write]
               [--expires 30d|12h|never|<date>] [--name <n>]
                                      prints the token once; only its hash is stored
  reindex [<owner>/<slug>]            rebuild the index of one wiki, or of all
  keys rotate                         new OAuth signing key; the old one keeps verifying its tokens until they
                                      expire (an hour); a running server switches within 30 s

Every command accepts --data <dir> (default ./data, or WIKIBOT_DATA).`;

const OPTIONS = {
  data: { type: 'string' },
  host: { type: 'string' },
  port: { type: 'string' },
  email: { type: 'string' },
  password: { type: 'string' },
  name: { type: 'string' },
  admin: { type: 'boolean' },
  purpose: { type: 'string' },
  public: { type: 'boolean' },
  template: { type: 'string' },
  user: { type: 'string' },
  wiki: { type: 'string' },
  scope: { type: 'string' },
  expires: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

class UsageError extends Error {}

function required(value: string | undefined, what: string): string {
  if (value === undefined || value === '') throw new UsageError(`missing ${what}`);
  return value;
}

function splitWiki(ref: string): { owner: string; slug: string } {
  const [owner, slug, extra] = ref.split('/');
  if (!owner || !slug || extra !== undefined) throw new UsageError(`expected <owner>/<slug>, got "${ref}"`);
  return { owner, slug };
}

async function withServices<T>(config: Config, run: (s: uc.Services) => Promise<T>): Promise<T> {
  const services = await uc.openServices(config);
  try {
    return await run(services);
  } finally {
    await uc.closeServices(services);
  }
}

async function serve(config: Config): Promise<void> {
  const services = await uc.openServices(config);
  const app = buildApp({ services });
  services.log = app.log;
  const worker = new JobWorker(services);
  const stop = async () => {
    await worker.stop();
    await app.close();
    await uc.closeServices(services);
    process.exit(0);
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
  const address = await app.listen({ host: config.host, port: config.port });
  app.log.info({ address, data: config.dataDir }, `Wikibot is serving on ${address}`);
  await worker.start();
}

export async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
  const [command, sub, arg] = positionals;
  if (values.help || !command) {
    console.log(USAGE);
    return command || values.help ? 0 : 2;
  }
  const flags = { ...(values.host !== undefined ? { host: values.host } : {}), ...(values.port !== undefined ? { port: values.port } : {}), ...(values.data !== undefined ? { data: values.data } : {}) };
  const config = loadConfig(flags, process.env);
  const operator = cliActor(null);

  // `serve` and `reindex` take no sub-command (reindex's positional is a wiki); the others are two words.
  switch (command === 'serve' || command === 'reindex' ? command : `${command} ${sub ?? ''}`.trim()) {
    case 'serve':
      await serve(config);
      return -1;
    case 'user create': {
      const user = await withServices(config, (s) =>
        uc.createUser(s, {
          username: required(arg, '<username>'),
          email: required(values.email, '--email'),
          password: required(values.password, '--password'),
          name: values.name ?? null,
          admin: values.admin ?? false,
        }),
      );
      console.log(`created user ${user.username} <${user.email}>${user.isAdmin ? ' (site admin)' : ''}`);
      return 0;
    }
    case 'user set-tier': {
      const tier = required(positionals[3], 'free|premium|lapsed');
      const user = await withServices(config, (s) => uc.setUserTier(s, required(arg, '<username>'), tier));
      console.log(`${user.username} is now on the ${user.tier} tier${user.tier === 'lapsed' ? ' (their wikis are read-only)' : ''}`);
      return 0;
    }
    case 'user reset-link': {
      const r = await withServices(config, (s) => createResetLink(s, required(arg, '<username>')));
      console.error(`reset link for ${r.user.username} <${r.user.email}>; it works once, for an hour (until ${r.expiresAt}):`);
      console.log(r.link);
      return 0;
    }
    case 'user disable':
    case 'user enable': {
      const disabled = sub === 'disable';
      const user = await withServices(config, (s) => uc.setUserDisabled(s, required(arg, '<username>'), disabled));
      console.log(`${user.username} is ${user.disabled ? 'disabled: their tokens and sessions no longer work' : 'enabled'}`);
      return 0;
    }
    case 'wiki create': {
      const ref = splitWiki(required(arg, '<owner>/<slug>'));
      const input = {
        ...ref,
        ...(values.name !== undefined ? { name: values.name } : {}),
        ...(values.purpose !== undefined ? { purpose: values.purpose } : {}),
        visibility: values.public ? ('public' as const) : ('private' as const),
      };
      const template = values.template;
      const wiki = await withServices(config, (s) =>
        template !== undefined ? uc.createWikiFromTemplate(s, operator, { ...input, template }) : uc.createWiki(s, operator, input),
      );
      console.log(`created wiki ${wiki.owner}/${wiki.slug} "${wiki.name}" (${wiki.visibility})`);
      return 0;
    }
    case 'token create': {
      const scope = values.scope ?? 'write';
      if (scope !== 'read' && scope !== 'write') throw new UsageError(`--scope must be read or write, got "${scope}"`);
      const { token, record } = await withServices(config, (s) =>
        uc.createToken(s, {
          username: required(values.user, '--user'),
          scope,
          ...(values.wiki !== undefined ? { wiki: values.wiki } : {}),
          ...(values.expires !== undefined ? { expires: values.expires } : {}),
          ...(values.name !== undefined ? { name: values.name } : {}),
        }),
      );
      console.error(`token "${record.name}" (${record.scope}, expires ${record.expiresAt ?? 'never'}); shown once:`);
      console.log(token);
      return 0;
    }
    case 'reindex': {
      await withServices(config, async (s) => {
        const wikis = sub ? [splitWiki(sub)] : (await s.meta.listWikis()).map((w) => ({ owner: w.owner, slug: w.slug }));
        for (const ref of wikis) {
          const r = await uc.reindexWiki(s, operator, ref);
          console.log(`reindexed ${ref.owner}/${ref.slug}: ${r.pages} pages at ${r.commit?.slice(0, 7) ?? '(empty)'}`);
        }
      });
      return 0;
    }
    case 'keys rotate': {
      const r = await withServices(config, (s) => rotateSigningKey(s.meta));
      const retired = r.retired.length > 0 ? `; retired ${r.retired.join(', ')} (still accepted until its tokens expire)` : '';
      console.log(`signing key ${r.kid} is now current${retired}${r.deleted.length > 0 ? `; deleted ${r.deleted.join(', ')}` : ''}`);
      return 0;
    }
    default:
      throw new UsageError(`unknown command "${positionals.join(' ')}"`);
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exitCode = code;
  },
  (err: unknown) => {
    if (err instanceof UsageError) console.error(`wikibot: ${err.message}\n\n${USAGE}`);
    else if (err instanceof ConfigError || isWikiError(err)) console.error(`wikibot: ${err.message}`);
    else if (err instanceof TypeError && 'code' in err && String(err.code).startsWith('ERR_PARSE_ARGS')) console.error(`wikibot: ${err.message}\n\n${USAGE}`);
    else console.error(err);
    const usage = err instanceof UsageError || (err instanceof TypeError && 'code' in err && String(err.code).startsWith('ERR_PARSE_ARGS'));
    process.exitCode = usage ? 2 : 1;
  },
);
