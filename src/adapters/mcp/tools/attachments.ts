/**
 * Attachment tools: the files of page `A/B` live in folder `A/B/`. Listing, uploading (base64), downloading (images
 * come back as images a model can look at, text as text) and deleting go through the attachment use cases.
 */
import { z } from 'zod';
import { WikiError } from '../../../errors.js';
import * as uc from '../../../usecases/index.js';
import { commitLine, commitMessageParam, opt, pathParam } from '../params.js';
import { defineTool } from '../tool.js';

/** Larger files are not inlined into a tool result; the answer gives their address instead. */
const MAX_INLINE_BYTES = 5 * 1024 * 1024;

const filenameParam = (example: string) =>
  z
    .string({ invalid_type_error: 'must be a string (a file name such as "chart.png")' })
    .min(1, 'must not be empty')
    .max(1024, 'is longer than 1024 characters')
    .describe(`The file name, without folders, e.g. "${example}".`);

const apiUrl = (base: string, ref: uc.WikiRef, page: string, name: string) =>
  `${base}/api/v1/wikis/${ref.owner}/${ref.slug}/pages/${page.split('/').map(encodeURIComponent).join('/')}/attachments/${encodeURIComponent(name)}`;

const listAttachments = defineTool({
  name: 'list_attachments',
  title: 'Files attached to a page',
  summary: 'Lists the files attached to a page (images, PDFs, data files).',
  params: { path: pathParam('The page, e.g. "Trends/Oil_Prices".') },
  returns: 'Plain text: one line per file — name, size in bytes and type; "(none)" when the page has no files.',
  next: 'download_attachment to read a file; embed an image in the page with ![description](/<owner>/<wiki>/<Page_Path>/<file>).',
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true },
  async run(ctx, a) {
    const files = await uc.listAttachments(ctx.services, ctx.actor, { ...(await ctx.wiki()), path: a.path });
    return {
      text: files.length ? [`${files.length} file${files.length === 1 ? '' : 's'}:`, ...files.map((f) => `- ${f.name} (${f.size} bytes, ${f.mimeType})`)].join('\n') : '(none)',
      structured: { attachments: files.map((f) => ({ name: f.name, size: f.size, mimeType: f.mimeType })) },
    };
  },
});

const uploadAttachment = defineTool({
  name: 'upload_attachment',
  title: 'Attach a file to a page',
  summary: 'Attaches a file to an existing page (replacing a file of the same name), within the wiki\'s size limits.',
  params: {
    path: pathParam('The page to attach the file to, e.g. "Trends/Oil_Prices".'),
    filename: filenameParam('brent-2026.csv'),
    content_base64: z
      .string({ invalid_type_error: 'must be a string of base64' })
      .max(40 * 1024 * 1024, 'is too large to send in one call')
      .refine((s) => /^[A-Za-z0-9+/]*={0,2}$/.test(s.replace(/\s/g, '')), 'is not valid base64 (only A-Z, a-z, 0-9, +, / and = padding)')
      .describe('The file\'s bytes, base64-encoded, e.g. "bW9udGgscHJpY2UKMjAyNi0wMSw3OC4yCg==".'),
    commit_message: commitMessageParam,
  },
  returns: 'Plain text: the stored file name, its size and type, and the commit.',
  next: 'Reference the file from the page with edit_note, e.g. ![Brent prices](/<owner>/<wiki>/Trends/Oil_Prices/brent-2026.csv).',
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true },
  async run(ctx, a) {
    const content = Buffer.from(a.content_base64.replace(/\s/g, ''), 'base64');
    const r = await uc.uploadAttachment(ctx.services, ctx.actor, { ...(await ctx.wiki()), path: a.path, filename: a.filename, content, ...opt('commitMessage', a.commit_message) });
    const state = r.changed ? `Attached ${r.path} (${r.size} bytes, ${r.mimeType}).` : `${r.path} already had exactly this content; nothing was committed.`;
    return { text: `${state}${r.commit && r.changed ? `\ncommit: ${commitLine(r.commit)}` : ''}`, structured: { name: r.name, path: r.path, size: r.size, mimeType: r.mimeType, changed: r.changed } };
  },
});

const downloadAttachment = defineTool({
  name: 'download_attachment',
  title: 'Read a file attached to a page',
  summary: 'Fetches one attached file: images come back as images, text files (txt, csv, json, md) as text, other files as base64.',
  params: {
    path: pathParam('The page the file is attached to, e.g. "Trends/Oil_Prices".'),
    filename: filenameParam('brent-2026.csv'),
  },
  returns: 'Plain text: name, size and type, then the text of a text file or the base64 of other files (an image also comes as an image block). Files over 5 MB are not inlined; their address is given.',
  next: 'Summarize or quote the file in a page with edit_note; list_attachments shows the page\'s other files.',
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true },
  async run(ctx, a) {
    const ref = await ctx.wiki();
    const f = await uc.downloadAttachment(ctx.services, ctx.actor, { ...ref, path: a.path, filename: a.filename });
    const head = `${f.path} (${f.size} bytes, ${f.mimeType})`;
    if (f.size > MAX_INLINE_BYTES) {
      return { text: `${head} is too large to return here; it can be downloaded with an access token from ${apiUrl(ctx.baseUrl, ref, a.path, f.name)}.` };
    }
    const isText = /^text\/|^application\/json/.test(f.mimeType) || /\.(md|txt|csv|tsv|json|ya?ml|xml)$/i.test(f.name);
    if (isText) {
      const text = new TextDecoder('utf-8', { fatal: false }).decode(f.content);
      return { text: `${head}:\n${text}` };
    }
    const data = f.content.toString('base64');
    if (f.mimeType.startsWith('image/') && f.mimeType !== 'image/svg+xml') {
      return { text: `${head}; the image follows.`, more: [{ type: 'image', data, mimeType: f.mimeType }] };
    }
    return { text: `${head}, base64:\n${data}` };
  },
});

const deleteAttachment = defineTool({
  name: 'delete_attachment',
  title: 'Remove a file from a page',
  summary: 'Deletes one attached file (history keeps it). Confirm with the user first.',
  params: {
    path: pathParam('The page the file is attached to, e.g. "Trends/Oil_Prices".'),
    filename: filenameParam('old-chart.png'),
    commit_message: commitMessageParam,
  },
  returns: 'Plain text: the deleted file and the commit.',
  next: 'Remove references to the file from the page with edit_note.',
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false },
  async run(ctx, a) {
    const r = await uc.deleteAttachment(ctx.services, ctx.actor, { ...(await ctx.wiki()), path: a.path, filename: a.filename, ...opt('commitMessage', a.commit_message) });
    if (!r.commit) throw new WikiError('INTERNAL', 'The attachment delete produced no commit.');
    return { text: `Deleted ${r.path}.\ncommit: ${commitLine(r.commit)}`, structured: { name: r.name, path: r.path } };
  },
});

export const ATTACHMENT_TOOLS = [listAttachments, uploadAttachment, downloadAttachment, deleteAttachment];
