/**
 * The OpenAPI 3.1 document of REST API v1, served at `/api/v1/openapi.json`. It is built once from small helpers so
 * that each route reads as one line of intent; a test checks that every registered route is described here.
 */

type Schema = Record<string, unknown>;
type Param = Record<string, unknown>;

// Schema helpers.
const str = (description?: string, extra: Schema = {}): Schema => ({ type: 'string', ...(description ? { description } : {}), ...extra });
const int = (description?: string, extra: Schema = {}): Schema => ({ type: 'integer', ...(description ? { description } : {}), ...extra });
const bool = (description?: string): Schema => ({ type: 'boolean', ...(description ? { description } : {}) });
const arr = (items: Schema, description?: string): Schema => ({ type: 'array', items, ...(description ? { description } : {}) });
const nullable = (schema: Schema): Schema => ({ anyOf: [schema, { type: 'null' }] });
const ref = (name: string): Schema => ({ $ref: `#/components/schemas/${name}` });
/** An object schema; keys ending in `?` are optional, the others required. */
function obj(props: Record<string, Schema>, description?: string): Schema {
  const properties: Record<string, Schema> = {};
  const required: string[] = [];
  for (const [key, schema] of Object.entries(props)) {
    const optional = key.endsWith('?');
    const name = optional ? key.slice(0, -1) : key;
    properties[name] = schema;
    if (!optional) required.push(name);
  }
  return { type: 'object', properties, ...(required.length ? { required } : {}), ...(description ? { description } : {}) };
}

const revisionField = str('A commit id, full or abbreviated (7 to 40 hexadecimal characters).', { pattern: '^[0-9a-fA-F]{7,40}$' });
const commitMessageField = str('Commit message; the API prefixes it with "[api] ". Defaults to e.g. "Update: <path>".', { maxLength: 10_000 });

const schemas: Record<string, Schema> = {
  Error: obj(
    {
      error: str('Machine-readable code, e.g. PAGE_NOT_FOUND, INVALID_PATH, REVISION_CONFLICT.'),
      message: str('A sentence saying what went wrong and what to do.'),
      data: { type: 'object', description: 'Details that depend on the code (path, field, suggestions, limits…).' },
      'current_revision?': nullable(str('On REVISION_CONFLICT: the page\'s current revision (null when it no longer exists). Re-read the page and retry.')),
    },
    'Every error has this shape.',
  ),
  Commit: obj({ oid: str('Full commit id.'), author_name: str(), author_email: str(), date: str('ISO 8601 (UTC).', { format: 'date-time' }), message: str() }),
  Link: obj({ target: str('Target page (stored spelling when it exists).'), anchor: nullable(str()), exists: bool(), 'kind?': str(undefined, { enum: ['wikilink', 'markdown'] }) }),
  Page: obj({
    path: str('Stored spelling of the page path, `_` for spaces.'),
    title: str(),
    content: str('Markdown of the whole file (front matter included) or of the requested section.'),
    frontmatter: { type: 'object', description: 'Parsed YAML front matter (keys as written).' },
    revision: str('The commit that last changed the page (or the revision asked for): send it back when writing.'),
    current_revision: str('The page\'s current revision.'),
    section: nullable(str()),
    'html?': str('Sanitized HTML (format=html).'),
    'toc?': arr(obj({ level: int(), text: str(), id: str() }), 'Table of contents (format=html).'),
    links_to: arr(ref('Link')),
    linked_from: arr(str(), 'Pages that link to this one.'),
    last_commit: ref('Commit'),
  }),
  SyncStatus: obj({
    linked: bool(),
    'url?': str(),
    'username?': nullable(str()),
    'has_token?': bool('Whether a token is stored (it is never returned).'),
    'state?': str(undefined, { enum: ['never', 'ok', 'needs_attention', 'error'] }),
    'last_result?': nullable(str('up_to_date, pulled, pushed, diverged, refused, retry or failed.')),
    'our_head?': nullable(str()),
    'their_head?': nullable(str()),
    'message?': nullable(str('What happened, and on needs_attention what to do.')),
    'last_run_at?': nullable(str()),
    'next_run_at?': str(),
  }),
  WriteResult: obj({
    path: str(),
    revision: str('The page\'s new revision.'),
    created: bool(),
    changed: bool('False when the content was already the same (nothing committed).'),
    merged: bool('True when the write was based on an older revision and merged with changes made since.'),
    commit: nullable(ref('Commit')),
  }),
  PageSummary: obj({
    path: str(),
    title: str(),
    category: nullable(str()),
    tags: arr(str()),
    word_count: int(),
    archived: bool(),
    last_updated: nullable(str('`last_updated` from front matter.')),
    revision: str(),
    last_change: obj({ date: str(), author_name: str(), message: str() }),
  }),
  HistoryEntry: obj({
    oid: str(),
    parents: arr(str()),
    author_name: str(),
    author_email: str(),
    date: str(),
    message: str(),
    path: str('The page\'s path at that commit (differs after a rename).'),
    status: str(undefined, { enum: ['A', 'M', 'D', 'R'] }),
    old_path: nullable(str()),
  }),
  BlameLine: obj({ line: int(), content: str(), commit: str(), author_name: str(), author_email: str(), date: str(), summary: str('Commit message subject.') }),
  Attachment: obj({ name: str(), path: str('File path in the repository.'), size: int(), mime_type: str(), oid: str('Blob id: changes exactly when the content does.') }),
  SearchHit: obj({ path: str(), title: str(), category: nullable(str()), tags: arr(str()), score: { type: 'number' }, snippet: str('HTML-escaped text around the match, matches in <mark>.') }),
  Change: obj({
    oid: str(),
    author_name: str(),
    author_email: str(),
    date: str(),
    message: str(),
    pages: arr(obj({ path: str(), kind: str(undefined, { enum: ['page', 'attachment'] }), status: str(undefined, { enum: ['A', 'M', 'D', 'R'] }), old_path: nullable(str()) })),
  }),
};

// Parameter helpers.
const inPath = (name: string, description: string): Param => ({ name, in: 'path', required: true, description, schema: str() });
const query = (name: string, schema: Schema, description?: string): Param => ({ name, in: 'query', required: false, schema, ...(description ? { description } : {}) });
const wikiParams = [inPath('owner', 'Owner\'s username.'), inPath('wiki', 'Wiki slug.')];
const pageParam = inPath(
  'path',
  'Page path; may contain "/" (`Actors/Iran`), spaces as `_`. Lookup ignores case and answers 301 to the stored spelling. A page whose last segment is an operation name (`history`, `rename`…) is reached with that "/" encoded as %2F.',
);
const nameParam = inPath('name', 'Attachment file name (one segment).');
const paging = [query('limit', int(undefined, { minimum: 1 })), query('offset', int(undefined, { minimum: 0 }))];
const filters = [
  query('prefix', str(), 'Page path prefix, case-insensitive.'),
  query('category', str()),
  query('tag', str()),
];

// Response helpers.
const json = (schema: Schema) => ({ 'application/json': { schema } });
const ok = (description: string, schema: Schema) => ({ description, content: json(schema) });
const errorResponse = (description: string) => ({ description, content: json(ref('Error')) });
const commonErrors = {
  '400': errorResponse('Invalid input: INVALID_INPUT (malformed JSON, invalid UTF-8, bad field) or INVALID_PATH.'),
  '401': errorResponse('UNAUTHORIZED: the token is invalid, expired or revoked.'),
  '404': errorResponse('Not found: WIKI_NOT_FOUND (also for wikis the caller may not see), PAGE_NOT_FOUND, REVISION_NOT_FOUND…'),
  '500': errorResponse('REPOSITORY_CORRUPT or INTERNAL; logged with the request id.'),
};
const writeErrors = {
  ...commonErrors,
  '403': errorResponse('FORBIDDEN (read-only token, read-only role) or QUOTA_EXCEEDED.'),
  '409': errorResponse('REVISION_CONFLICT (with `current_revision`), PAGE_EXISTS or NOTHING_TO_REVERT.'),
  '413': errorResponse('PAYLOAD_TOO_LARGE: content over the page limit or a file over the tier limit.'),
};

interface OperationSpec {
  summary: string;
  params?: Param[];
  body?: Schema;
  /** Extra request body media types besides JSON. */
  rawBody?: boolean;
  responses: Record<string, unknown>;
  write?: boolean;
}

function operation(tag: string, spec: OperationSpec): Record<string, unknown> {
  const content: Record<string, unknown> = spec.body ? json(spec.body) : {};
  if (spec.rawBody) content['application/octet-stream'] = { schema: { type: 'string', contentMediaType: 'application/octet-stream' } };
  return {
    tags: [tag],
    summary: spec.summary,
    ...(spec.params?.length ? { parameters: spec.params } : {}),
    ...(Object.keys(content).length ? { requestBody: { required: true, content } } : {}),
    responses: { ...(spec.write ? writeErrors : commonErrors), ...spec.responses },
  };
}

const wiki = (tag: string, spec: OperationSpec) => operation(tag, { ...spec, params: [...wikiParams, ...(spec.params ?? [])] });
const page = (spec: OperationSpec) => wiki('pages', { ...spec, params: [pageParam, ...(spec.params ?? [])] });
const attachment = (spec: OperationSpec) => wiki('attachments', { ...spec, params: [pageParam, ...(spec.params ?? [])] });

const W = '/api/v1/wikis/{owner}/{wiki}';

/** The management API (adapters/rest/management-routes.ts): account, wikis as a whole, collaborators, tokens. */
function managementPaths(): Record<string, Record<string, unknown>> {
  const used = obj({ used: int(), max: int() });
  const wikiUsage = obj({ pages: used, attachment_bytes: used, collaborators: used }, 'Usage against the owner\'s tier.');
  const wikiDetails = obj({
    id: str('owner/slug'),
    owner: str(),
    slug: str(),
    name: str(),
    purpose: str(),
    visibility: str(undefined, { enum: ['public', 'private'] }),
    categories: arr(str()),
    created_at: str(),
    home_page: str('The page the wiki\'s root address shows.'),
    commit_messages: str('Whether writes need a commit message.', { enum: ['optional', 'required', 'disabled'] }),
    wikilink_order: str('Which side of a WikiLink\'s pipe names the page.', { enum: ['page-text', 'text-page'] }),
    role: str('The caller\'s relation to the wiki.', { enum: ['owner', 'admin', 'editor', 'viewer', 'public'] }),
    owner_tier: str(undefined, { enum: ['free', 'premium', 'lapsed'] }),
    'usage?': wikiUsage,
  });
  const collaborator = obj({ username: nullable(str()), email: nullable(str()), role: str(undefined, { enum: ['viewer', 'editor'] }), status: str(undefined, { enum: ['active', 'invited'] }) });
  const token = obj({
    id: int(),
    name: str(),
    wiki: nullable(str('owner/slug, or null for every wiki.')),
    scope: str(undefined, { enum: ['read', 'write'] }),
    created_at: str(),
    last_used_at: nullable(str()),
    expires_at: nullable(str()),
    expired: bool(),
  });
  const settings = {
    'name?': str('Display name, 1 to 100 characters.'),
    'purpose?': str('What the wiki is for; at most 2,000 characters.'),
    'categories?': arr(str(), '1 to 50 distinct category names.'),
    'visibility?': str(undefined, { enum: ['public', 'private'] }),
    'home_page?': str('The page the wiki\'s root shows (default Home): a valid page path; it need not exist yet.'),
    'commit_messages?': str(
      'optional (default): a default message when none is given; required: a write without commit_message is refused (INVALID_INPUT); disabled: given messages are replaced by the default. Pushes over git are exempt.',
      { enum: ['optional', 'required', 'disabled'] },
    ),
    'wikilink_order?': str('page-text (default): [[Page|Text]]; text-page: [[Text|Page]] as in Otterwiki. Changing it re-reads every page\'s links.', {
      enum: ['page-text', 'text-page'],
    }),
  };
  const confirm = (what: string) => obj({ confirm: str(what) });
  const manage = { '403': errorResponse('FORBIDDEN: not the owner, or a token limited to one wiki or to reading (managing needs a token for all wikis with write scope); QUOTA_EXCEEDED with limit, usage and max.') };
  const conflict = { '409': errorResponse('WIKI_EXISTS or USER_EXISTS.') };
  const M = (tag: string, spec: OperationSpec) => operation(tag, { ...spec, responses: { ...manage, ...conflict, ...spec.responses } });
  const collabParams = [...wikiParams, inPath('user', 'A collaborator\'s username, or the email of a pending invitation.')];
  return {
    '/api/v1/me': {
      get: M('account', {
        summary: 'The caller\'s account: tier, limits, usage (wikis; pages, attachment bytes and collaborators per owned wiki), shared wikis.',
        responses: {
          '200': ok('Account.', obj({ username: str(), email: str(), name: nullable(str()), is_admin: bool(), tier: str(), created_at: str(), limits: { type: 'object' }, usage: obj({ wikis: used }), wikis: arr(obj({ id: str(), name: str(), visibility: str(), usage: wikiUsage })), shared: arr(obj({ id: str(), name: str(), role: str() })), 'notice?': str('Why the wikis are read-only (lapsed).') })),
        },
      }),
      delete: M('account', {
        summary: 'Delete the account: owned wikis (repositories, indexes), roles on other wikis, tokens, sessions. Other wikis keep their history.',
        write: true,
        body: confirm('The caller\'s username.'),
        responses: { '200': ok('Deleted.', obj({ deleted: str(), wikis: arr(str()) })) },
      }),
    },
    '/api/v1/me/export': {
      get: M('account', {
        summary: 'A zip of every owned wiki as a git bundle (`git clone <slug>.bundle`) plus metadata.json (wikis, collaborators, tokens without secrets).',
        responses: { '200': { description: 'The zip.', content: { 'application/zip': { schema: { type: 'string', contentMediaType: 'application/zip' } } } } },
      }),
    },
    '/api/v1/wikis': {
      get: M('wikis', {
        summary: 'The wikis the caller can read (owned and shared), with what they may do in each.',
        responses: { '200': ok('Wikis.', obj({ wikis: arr(obj({ id: str(), owner: str(), slug: str(), name: str(), purpose: str(), visibility: str(), home_page: str(), commit_messages: str(), role: str(), can_write: bool(), read_only_reason: nullable(str()) })) })) },
      }),
      post: M('wikis', {
        summary: 'Create a wiki owned by the caller from the bootstrap template (Home, Meta/Wiki_Usage_Guide, Meta/Page_Template), within the tier.',
        write: true,
        body: obj({ slug: str('Lowercase letters, digits and "-", 3 to 40 characters.'), ...settings }),
        responses: { '201': ok('Created.', wikiDetails) },
      }),
    },
    [W]: {
      get: M('wikis', { summary: 'A wiki\'s settings (and usage, for its owner).', params: wikiParams, responses: { '200': ok('The wiki.', wikiDetails) } }),
      patch: M('wikis', { summary: 'Change the display name, purpose, categories, visibility, home page, commit-message policy or WikiLink order (owner). A bad value is a 400 naming the allowed values; nothing is changed.', write: true, params: wikiParams, body: obj(settings), responses: { '200': ok('Updated.', wikiDetails) } }),
      delete: M('wikis', {
        summary: 'Delete the wiki: repository, index and metadata (owner). `confirm` must be "owner/slug".',
        write: true,
        params: wikiParams,
        body: confirm('The wiki\'s address, owner/slug.'),
        responses: { '200': ok('Deleted.', obj({ deleted: str() })) },
      }),
    },
    [`${W}/collaborators`]: {
      get: M('collaborators', { summary: 'Collaborators and pending invitations (owner).', params: wikiParams, responses: { '200': ok('Collaborators.', obj({ collaborators: arr(collaborator), usage: used })) } }),
      post: M('collaborators', {
        summary: 'Add a person by username or email as viewer or editor; an email without an account becomes an invitation accepted when they sign up.',
        write: true,
        params: wikiParams,
        body: obj({ user: str('Username or email.'), role: str(undefined, { enum: ['viewer', 'editor'] }) }),
        responses: { '201': ok('Added or invited.', collaborator) },
      }),
    },
    [`${W}/collaborators/{user}`]: {
      patch: M('collaborators', { summary: 'Change a collaborator\'s (or an invitation\'s) role.', write: true, params: collabParams, body: obj({ role: str(undefined, { enum: ['viewer', 'editor'] }) }), responses: { '200': ok('Changed.', collaborator) } }),
      delete: M('collaborators', { summary: 'Remove a collaborator, or withdraw an invitation.', write: true, params: collabParams, responses: { '200': ok('Removed.', obj({ removed: str() })) } }),
    },
    '/api/v1/tokens': {
      get: M('tokens', { summary: 'The caller\'s personal access tokens (never their secrets).', responses: { '200': ok('Tokens.', obj({ tokens: arr(token) })) } }),
      post: M('tokens', {
        summary: 'Create a token: one wiki or all, read or write, expiry. The secret is in this answer only.',
        write: true,
        body: obj({ 'name?': str(), 'wiki?': nullable(str('owner/slug; omit or null for every wiki.')), 'scope?': str(undefined, { enum: ['read', 'write'], default: 'write' }), 'expires?': str('30d, 12h, 1y, never or a date; default 90d.') }),
        responses: { '201': ok('Created.', { allOf: [token, obj({ token: str('The secret (wbt_…), shown once.') })] }) },
      }),
    },
    '/api/v1/me/connected-apps': {
      get: M('account', {
        summary: 'Assistants and other OAuth clients connected to the account: which wikis, which scope, until when.',
        responses: {
          '200': ok('Connected apps.', obj({ connected_apps: arr(obj({ client_id: str(), client_name: nullable(str()), resources: arr(str()), wikis: arr(str()), scope: str(), connected_at: str(), expires_at: nullable(str()) })) })),
        },
      }),
    },
    '/api/v1/me/connected-apps/{client_id}': {
      delete: M('account', {
        summary: 'Disconnect an app: its access and refresh tokens stop working at once.',
        write: true,
        params: [inPath('client_id', 'The OAuth client id from the list.')],
        responses: { '200': ok('Disconnected.', obj({ revoked: str(), grants: int('Grants ended.') })) },
      }),
    },
    '/api/v1/tokens/{id}': {
      delete: M('tokens', {
        summary: 'Revoke a token.',
        write: true,
        params: [{ ...inPath('id', 'Token id.'), schema: int() }],
        responses: { '200': ok('Revoked.', obj({ revoked: int() })), '404': errorResponse('TOKEN_NOT_FOUND: the caller has no token with that id.') },
      }),
    },
  };
}

function build(): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {
    '/healthz': { get: { tags: ['health'], summary: 'The process is up.', security: [], responses: { '200': ok('Up.', obj({ status: str() })) } } },
    '/readyz': {
      get: {
        tags: ['health'],
        summary: 'The metadata store and the repository root are usable.',
        security: [],
        responses: { '200': ok('Ready.', obj({ status: str() })), '503': ok('Not ready.', obj({ status: str(), message: str() })) },
      },
    },
    '/api/v1/openapi.json': { get: { tags: ['health'], summary: 'This document.', security: [], responses: { '200': ok('OpenAPI 3.1.', { type: 'object' }) } } },
    [`${W}/pages`]: {
      get: wiki('pages', {
        summary: 'List pages, optionally filtered.',
        params: [...filters, query('updated_since', str(undefined, { format: 'date' }), 'Only pages changed at or after this ISO date.'), ...paging],
        responses: { '200': ok('Pages.', obj({ total: int(), pages: arr(ref('PageSummary')) })) },
      }),
    },
    [`${W}/pages/{path}`]: {
      get: page({
        summary: 'Read a page (at any revision; one section; markdown or sanitized HTML).',
        params: [
          query('revision', revisionField),
          query('section', str(), 'Heading path, e.g. "Background > Military Strategy".'),
          query('format', str(undefined, { enum: ['markdown', 'html'], default: 'markdown' })),
        ],
        responses: {
          '200': ok('The page.', ref('Page')),
          '301': { description: 'The path matched a page spelled differently; `Location` has the stored spelling.', headers: { Location: { schema: str() } }, content: json(obj({ path: str(), location: str() })) },
        },
      }),
      put: page({
        summary: 'Create a page, or update it from the revision the caller read.',
        write: true,
        body: obj({ content: str('Whole page markdown, front matter included; at most 1,000,000 characters.'), 'revision?': revisionField, 'commit_message?': commitMessageField }),
        responses: { '200': ok('Updated (possibly merged).', ref('WriteResult')), '201': ok('Created.', ref('WriteResult')) },
      }),
      patch: page({
        summary: 'Edit a page: replace one exact, unique string, or replace/append/prepend a section.',
        write: true,
        body: {
          oneOf: [
            obj({ revision: revisionField, old_string: str('Must occur exactly once in the page at `revision`.'), new_string: str(), 'commit_message?': commitMessageField }, 'Edit by exact string.'),
            obj(
              { revision: revisionField, section: str('Heading path.'), 'mode?': str(undefined, { enum: ['replace', 'append', 'prepend'], default: 'replace' }), content: str(), 'commit_message?': commitMessageField },
              'Edit one section.',
            ),
          ],
        },
        responses: { '200': ok('Edited.', ref('WriteResult')), '422': errorResponse('EDIT_NO_MATCH or EDIT_AMBIGUOUS: old_string occurs 0 or 2+ times (the message says how many).') },
      }),
      delete: page({
        summary: 'Delete a page and its attachments (one commit); with with_subpages=true, every page below it too.',
        write: true,
        params: [
          query('revision', revisionField, 'Refuse when the page changed since.'),
          query('commit_message', commitMessageField),
          query('with_subpages', { type: 'string', enum: ['true', 'false'] }, 'Also delete the pages below this one (Path/…) and their attachments.'),
        ],
        responses: { '200': ok('Deleted.', obj({ path: str(), deleted_attachments: arr(str()), deleted_subpages: arr(str()), commit: nullable(ref('Commit')) })) },
      }),
    },
    [`${W}/pages/{path}/rename`]: {
      post: page({
        summary: 'Rename a page, move its attachment folder and rewrite every link to it, in one commit.',
        write: true,
        body: obj({ new_path: str(), 'commit_message?': commitMessageField, 'update_links?': bool('Rewrite backlinks (default true).') }),
        responses: {
          '200': ok('Renamed.', obj({ path: str(), old_path: str(), revision: str(), rewritten: arr(str(), 'Pages whose links were rewritten.'), commit: nullable(ref('Commit')) })),
        },
      }),
    },
    [`${W}/pages/{path}/history`]: {
      get: page({ summary: 'Commits that changed the page, newest first, following renames.', params: paging, responses: { '200': ok('History.', obj({ path: str(), entries: arr(ref('HistoryEntry')) })) } }),
    },
    [`${W}/pages/{path}/blame`]: {
      get: page({
        summary: 'Each line with the commit, author, date and message that last changed it.',
        params: [query('revision', revisionField)],
        responses: { '200': ok('Blame.', obj({ path: str(), revision: str(), lines: arr(ref('BlameLine')) })) },
      }),
    },
    [`${W}/pages/{path}/diff`]: {
      get: page({
        summary: 'The change to a page between two revisions (`to` defaults to the current one).',
        params: [{ ...query('from', revisionField), required: true }, query('to', revisionField)],
        responses: {
          '200': ok('Diff.', obj({ path: str(), from: str(), to: str(), diff: str('Unified diff.'), hunks: arr({ type: 'object' }), stats: obj({ added: int(), removed: int() }) })),
        },
      }),
    },
    [`${W}/pages/{path}/attachments`]: {
      get: attachment({ summary: 'List the page\'s attachments.', responses: { '200': ok('Attachments.', obj({ attachments: arr(ref('Attachment')) })) } }),
      post: attachment({
        summary: 'Upload an attachment (under any valid name): JSON with base64 content, or the raw bytes with ?filename=. A file of the same name is replaced unless replace is false.',
        write: true,
        params: [
          query('filename', str(), 'File name when the body is raw bytes.'),
          query('commit_message', commitMessageField),
          query('replace', { type: 'string', enum: ['true', 'false'] }, 'With false, a name the page already has is refused (409 PAGE_EXISTS) instead of replaced.'),
        ],
        body: obj({ filename: str(), content_base64: str(undefined, { contentEncoding: 'base64' }), 'commit_message?': commitMessageField, 'replace?': bool('Default true.') }),
        rawBody: true,
        responses: { '201': ok('Uploaded.', obj({ name: str(), path: str(), size: int(), mime_type: str(), changed: bool(), commit: nullable(ref('Commit')) })) },
      }),
    },
    [`${W}/pages/{path}/attachments/{name}`]: {
      get: attachment({
        summary: 'Download an attachment (also at a revision).',
        params: [nameParam, query('revision', revisionField)],
        responses: { '200': { description: 'The file, with its content type.', content: { '*/*': { schema: { type: 'string', contentMediaType: 'application/octet-stream' } } } } },
      }),
      delete: attachment({
        summary: 'Delete an attachment.',
        write: true,
        params: [nameParam, query('commit_message', commitMessageField)],
        responses: { '200': ok('Deleted.', obj({ name: str(), path: str(), commit: nullable(ref('Commit')) })) },
      }),
    },
    [`${W}/pages/{path}/attachments/{name}/thumbnail`]: {
      get: attachment({
        summary: 'A PNG, JPEG, GIF, WebP or AVIF attachment scaled so that its longest side is at most size (never enlarged; also at a revision). GIF gives its first frame as PNG, AVIF gives WebP. SVG and other files have none (400); images over 20 MB or 40 megapixels are refused (413).',
        params: [
          nameParam,
          query('size', int(undefined, { enum: [64, 128, 200, 400, 800], default: 200 }), 'Longest side in pixels; other values are refused with the allowed ones.'),
          query('revision', revisionField),
        ],
        responses: {
          '200': { description: 'The image, with an ETag of the file\'s blob id and size (If-None-Match gives 304).', content: { 'image/*': { schema: { type: 'string', contentMediaType: 'application/octet-stream' } } } },
        },
      }),
    },
    [`${W}/pages/{path}/attachments/{name}/rename`]: {
      post: attachment({
        summary: 'Rename an attachment.',
        write: true,
        params: [nameParam],
        body: obj({ new_filename: str(), 'commit_message?': commitMessageField }),
        responses: { '200': ok('Renamed.', obj({ name: str(), path: str(), commit: nullable(ref('Commit')) })) },
      }),
    },
    [`${W}/changes`]: {
      get: wiki('history', {
        summary: 'Recent changes: commit, author, date, message and pages touched.',
        params: [...paging, query('since', str(undefined, { format: 'date-time' }))],
        responses: { '200': ok('Changes, newest first.', obj({ changes: arr(ref('Change')) })) },
      }),
    },
    [`${W}/revert`]: {
      post: wiki('history', {
        summary: 'Undo one commit with a new commit.',
        write: true,
        body: obj({ commit: revisionField, 'commit_message?': commitMessageField }),
        responses: { '201': ok('Reverted.', obj({ reverted: str(), revision: str(), files: arr(str()), commit: nullable(ref('Commit')) })) },
      }),
    },
    [`${W}/search`]: {
      get: wiki('search', {
        summary:
          'Full-text search: BM25 with a title boost; words, "phrases" and prefix* terms. With case_sensitive=true or regex=true, the exact text (or a JavaScript regular expression) on every page, pages whose name matches first, then by number of matches; a pattern that does not compile, or a scan over 1 s, answers 400 INVALID_INPUT.',
        params: [
          { ...query('q', str(undefined, { maxLength: 1000 })), required: true },
          query('case_sensitive', { type: 'string', enum: ['true', 'false'] }),
          query('regex', { type: 'string', enum: ['true', 'false'] }),
          ...filters,
          ...paging,
        ],
        responses: { '200': ok('Hits, best first.', obj({ query: str(), results: arr(ref('SearchHit')) })) },
      }),
    },
    [`${W}/links`]: {
      get: wiki('links', {
        summary: 'The link graph: every page a node, every link an edge.',
        responses: {
          '200': ok('Graph.', obj({ nodes: arr(obj({ path: str(), title: str(), category: nullable(str()) })), edges: arr(obj({ source: str(), target: str(), broken: bool() })) })),
        },
      }),
    },
    [`${W}/links/{path}`]: {
      get: wiki('links', {
        summary: 'Links out of a page and the pages linking to it.',
        params: [pageParam],
        responses: { '200': ok('Links.', obj({ path: str(), links_to: arr(ref('Link')), linked_from: arr(str()) })) },
      }),
    },
    [`${W}/orphans`]: {
      get: wiki('links', { summary: 'Pages no other page links to (Home excluded).', responses: { '200': ok('Orphans.', obj({ pages: arr(ref('PageSummary')) })) } }),
    },
    [`${W}/broken-links`]: {
      get: wiki('links', {
        summary: 'Links whose target page does not exist.',
        responses: { '200': ok('Broken links.', obj({ links: arr(obj({ source: str(), target: str(), anchor: nullable(str()), kind: str() })) })) },
      }),
    },
    [`${W}/stale`]: {
      get: wiki('links', {
        summary: 'Pages whose `last_updated` (or last change) is older than `days`.',
        params: [query('days', int(undefined, { minimum: 0, maximum: 36_500, default: 90 }))],
        responses: { '200': ok('Stale pages.', obj({ days: int(), before: str(), pages: arr(ref('PageSummary')) })) },
      }),
    },
    // Git remote, premium (adapters/rest/sync-routes.ts).
    [`${W}/from-template`]: {
      post: wiki('wikis', {
        summary: 'Create the wiki {owner}/{wiki} from a git template repository (premium owners; a write token not limited to one wiki).',
        write: true,
        body: obj({ template_url: str('https URL of a git repository (local paths and http only when the operator allows them).'), 'name?': str(), 'purpose?': str(), 'visibility?': str(undefined, { enum: ['public', 'private'] }) }),
        responses: { '201': ok('Created; its first commit holds the template.', obj({ owner: str(), slug: str(), name: str(), purpose: str(), visibility: str(), created_at: str() })) },
      }),
    },
    [`${W}/sync`]: {
      get: wiki('sync', { summary: 'External sync status (owner only); never includes the token.', responses: { '200': ok('Status, or `{ linked: false }`.', ref('SyncStatus')) } }),
      put: wiki('sync', {
        summary: 'Link the wiki to an external git remote (owner, premium; needs WIKIBOT_SECRET_KEY on the server). The token is stored encrypted.',
        write: true,
        body: obj({ url: str('Remote URL (https).'), 'username?': str(), 'token?': str('Password or access token for the remote; write-only.') }),
        responses: { '200': ok('Linked.', ref('SyncStatus')) },
      }),
      delete: wiki('sync', { summary: 'Unlink (the stored credentials are deleted).', write: true, responses: { '200': ok('Done.', obj({ deleted: bool() })) } }),
    },
    [`${W}/sync/run`]: {
      post: wiki('sync', {
        summary: 'Sync now: fetch, fast-forward whichever side is behind; a divergence is reported (needs_attention), never merged.',
        write: true,
        responses: { '200': ok('The status after the run.', ref('SyncStatus')) },
      }),
    },
  };

  Object.assign(paths, managementPaths());

  return {
    openapi: '3.1.0',
    info: {
      title: 'Wikibot REST API',
      version: '1',
      description:
        'Research wikis as git repositories of markdown pages. Rate limits per address and per user answer 429 RATE_LIMITED with Retry-After. Writes carry the revision they were based on: unchanged pages commit, stale ones merge when clean, otherwise 409 REVISION_CONFLICT with `current_revision`. Wikis the caller may not see answer 404.',
    },
    servers: [{ url: '/' }],
    security: [{ bearerAuth: [] }],
    paths,
    components: {
      securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', description: 'A personal access token from `wikibot token create` (wbt_…).' } },
      schemas,
    },
  };
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

/** The document, built once and frozen. */
export const OPENAPI_DOCUMENT: Readonly<Record<string, unknown>> = deepFreeze(build());

/** The OpenAPI 3.1 document describing REST API v1, /healthz and /readyz. */
export function openApiDocument(): object {
  return OPENAPI_DOCUMENT;
}
