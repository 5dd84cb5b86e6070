/**
 * The page frame every web view shares: header with the wiki name, search box and account links, a sidebar with
 * the page tree, landmarks for screen readers, and the stylesheet/script links. Pure functions of their input.
 */
import { assetUrl } from './assets.js';
import { escapeHtml, html, trusted, type Html, type Renderable } from './html.js';
import { actionHref, pageHref } from './http.js';

export interface WikiFrame {
  owner: string;
  slug: string;
  name: string;
  /** Whether the actor may write (shows "New page"; the use cases still decide on every post). */
  canWrite: boolean;
  /** Sidebar tree, already rendered. */
  tree: Html | null;
}

export interface LayoutInput {
  title: string;
  body: Renderable;
  wiki: WikiFrame | null;
  user: { username: string; name: string | null } | null;
  csrf: string;
  /** Path and query of this page, for the sign-in link's `next=`. */
  here: string;
  /** Extra scripts (the editor bundle on edit pages only). */
  scripts?: string[];
  search?: string;
  /** Nonce the editor's run-time styles carry (allowed by this response's CSP). */
  styleNonce?: string;
  /** The page shows typeset math (or may, in the editor's preview): link KaTeX's stylesheet. */
  math?: boolean;
}

/** Whether rendered markup contains KaTeX output (only our renderer can emit that class: the sanitizer drops it). */
export function hasMath(markup: string): boolean {
  return markup.includes('<span class="katex');
}

export function layout(input: LayoutInput): string {
  const { wiki, user } = input;
  const home = wiki ? `/${wiki.owner}/${wiki.slug}/` : '/';
  const searchAction = wiki ? actionHref(wiki.owner, wiki.slug, 'search') : '';
  const page = html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<meta name="csrf-token" content="${input.csrf}">
${input.styleNonce ? html`<meta name="style-nonce" content="${input.styleNonce}">` : ''}
<title>${input.title}${wiki ? ` · ${wiki.name}` : ''} · Wikibot</title>
<link rel="stylesheet" href="${assetUrl('app.css')}">
${input.math ? html`<link rel="stylesheet" href="${assetUrl('katex.css')}">` : ''}
<script src="${assetUrl('app.js')}"></script>
${(input.scripts ?? []).map((s) => html`<script type="module" src="${assetUrl(s)}"></script>`)}
${wiki ? html`<link rel="alternate" type="application/atom+xml" title="Recent changes" href="${actionHref(wiki.owner, wiki.slug, 'feed.atom')}">` : ''}
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header class="top">
  <button type="button" class="icon menu-toggle" aria-controls="sidebar" aria-expanded="false" aria-label="Show pages">☰</button>
  <a class="brand" href="${home}">${wiki ? wiki.name : 'Wikibot'}</a>
  ${
    wiki
      ? html`<form class="search" role="search" action="${searchAction}" method="get">
    <label class="sr" for="q">Search this wiki</label>
    <input id="q" name="q" type="search" placeholder="Search  ( / )" value="${input.search ?? ''}" autocomplete="off">
  </form>
  <nav class="wiki-nav" aria-label="Wiki">
    <a href="${actionHref(wiki.owner, wiki.slug, 'changes')}">Changes</a>
    <a href="${actionHref(wiki.owner, wiki.slug, 'index')}">Index</a>
    <a href="${actionHref(wiki.owner, wiki.slug, 'health')}">Health</a>
    ${wiki.canWrite ? html`<a href="${actionHref(wiki.owner, wiki.slug, 'new')}">New page</a>` : ''}
  </nav>`
      : ''
  }
  <div class="account">
    <button type="button" class="icon theme-toggle" aria-label="Switch dark mode" title="Switch dark mode">◐</button>
    ${
      user
        ? html`<a class="who" href="/-/sessions" title="Your sessions">${user.name ?? user.username}</a>
    <form method="post" action="/-/signout" class="inline"><input type="hidden" name="_csrf" value="${input.csrf}"><button type="submit" class="link">Sign out</button></form>`
        : html`<a href="/-/signin?next=${encodeURIComponent(input.here)}">Sign in</a>`
    }
  </div>
</header>
<div class="shell${wiki?.tree ? '' : ' no-sidebar'}">
  ${wiki?.tree ? html`<nav id="sidebar" class="sidebar" aria-label="Pages">${wiki.tree}</nav>` : ''}
  <main id="main" tabindex="-1">
${input.body}
  </main>
</div>
</body>
</html>`;
  return page.value;
}

/** Breadcrumbs for a page path: wiki › A › B. */
export function breadcrumbs(owner: string, slug: string, name: string, path: string): Html {
  const parts = path.split('/');
  const crumbs = parts.slice(0, -1).map((_, i) => {
    const prefix = parts.slice(0, i + 1).join('/');
    return html`<li><a href="${pageHref(owner, slug, prefix)}">${parts[i]!.replace(/_/g, ' ')}</a></li>`;
  });
  return html`<nav class="crumbs" aria-label="Breadcrumb"><ol><li><a href="/${owner}/${slug}/">${name}</a></li>${crumbs}<li aria-current="page">${parts.at(-1)!.replace(/_/g, ' ')}</li></ol></nav>`;
}

interface TreeNode {
  name: string;
  path: string | null;
  children: Map<string, TreeNode>;
}

/** A nested list of pages by folder; folders that are also pages link to them. Marks nothing as current. */
export function pageTree(owner: string, slug: string, paths: readonly string[]): Html {
  const root: TreeNode = { name: '', path: null, children: new Map() };
  for (const p of paths) {
    let node = root;
    const parts = p.split('/');
    parts.forEach((part, i) => {
      let child = node.children.get(part);
      if (!child) {
        child = { name: part, path: null, children: new Map() };
        node.children.set(part, child);
      }
      if (i === parts.length - 1) child.path = p;
      node = child;
    });
  }
  const renderNode = (node: TreeNode, prefix: string): Html => {
    const items = [...node.children.values()]
      .sort((a, b) => a.name.localeCompare(b.name))
      .map((child) => {
        const full = prefix ? `${prefix}/${child.name}` : child.name;
        const label = child.name.replace(/_/g, ' ');
        const link = child.path ? html`<a href="${pageHref(owner, slug, child.path)}">${label}</a>` : html`<span class="folder">${label}</span>`;
        if (child.children.size === 0) return html`<li>${link}</li>`;
        return html`<li><details data-folder="${full.toLowerCase()}"><summary>${link}</summary>${renderNode(child, full)}</details></li>`;
      });
    return html`<ul>${items}</ul>`;
  };
  return renderNode(root, '');
}

/**
 * The tree with `current` marked and its folders open. Works on the rendered markup, so that one tree rendered per
 * wiki revision serves every page view.
 */
export function markCurrent(tree: Html, owner: string, slug: string, current: string | null): Html {
  if (current === null) return tree;
  let out = tree.value;
  const href = `href="${escapeHtml(pageHref(owner, slug, current))}"`;
  out = out.replace(`${href}>`, `${href} aria-current="page">`);
  const parts = current.toLowerCase().split('/');
  for (let i = 1; i <= parts.length; i++) {
    const folder = `<details data-folder="${escapeHtml(parts.slice(0, i).join('/'))}">`;
    out = out.replace(folder, folder.slice(0, -1) + ' open>');
  }
  return trusted(out);
}
