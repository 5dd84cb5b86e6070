// The page editor (edit pages only, bundled by esbuild): CodeMirror 6 with markdown, WikiLink completion from the
// page list, live preview, draft autosave in localStorage, and images dropped or pasted uploaded as attachments.
import { autocompletion, completionKeymap } from '@codemirror/autocomplete';
import { defaultKeymap, history, historyKeymap, indentWithTab } from '@codemirror/commands';
import { markdownKeymap, markdownLanguage } from '@codemirror/lang-markdown';
import { defaultHighlightStyle, LanguageSupport, syntaxHighlighting } from '@codemirror/language';
import { highlightSelectionMatches, searchKeymap } from '@codemirror/search';
import { EditorState } from '@codemirror/state';
import { drawSelection, EditorView, highlightActiveLine, keymap, placeholder } from '@codemirror/view';

const form = document.getElementById('editor-form');
const textarea = document.getElementById('content');
if (form && textarea) start(form, textarea);

function start(form, textarea) {
  const csrf = () => form.querySelector('input[name=_csrf]').value;
  const pathInput = form.querySelector('input[name=path]');
  const pagePath = () => form.dataset.path || (pathInput ? pathInput.value.trim() : '');
  const draftKey = 'wikibot-draft:' + form.dataset.wiki + ':' + (form.dataset.path || '(new)');
  const baseRevision = form.querySelector('input[name=revision]').value;
  const previewPane = form.querySelector('.preview-pane');
  const preview = form.querySelector('.preview');
  const note = form.querySelector('.draft-note');

  let pages = null;
  const loadPages = () => {
    pages ??= fetch(form.dataset.pages, { credentials: 'same-origin' })
      .then((r) => (r.ok ? r.json() : { pages: [] }))
      .then((j) => j.pages)
      .catch(() => []);
    return pages;
  };

  // In a wiki set to [[Text|Page]] the page name follows the pipe: complete there (and right after `[[`, for links
  // without shown text).
  const textFirst = form.dataset.linkOrder === 'text-page';
  async function wikiLinks(context) {
    const before = context.matchBefore(textFirst ? /\[\[(?:[^\]|\n]*\|)?[^\]|\n]*/ : /\[\[[^\]|\n]*/);
    if (!before) return null;
    const list = await loadPages();
    const pipe = before.text.indexOf('|');
    return {
      from: pipe === -1 ? before.from + 2 : before.from + pipe + 1,
      options: list.map((p) => ({ label: p.replace(/_/g, ' '), apply: p.replace(/_/g, ' ') + ']]', type: 'text' })),
      validFor: /^[^\]|\n]*$/,
    };
  }

  let previewTimer = 0;
  let draftTimer = 0;
  const view = new EditorView({
    doc: textarea.value,
    extensions: [
      history(),
      drawSelection(),
      EditorState.allowMultipleSelections.of(true),
      syntaxHighlighting(defaultHighlightStyle, { fallback: true }),
      highlightActiveLine(),
      highlightSelectionMatches(),
      placeholder('Write markdown. [[ links to a page; drop or paste an image to attach it.'),
      keymap.of([...defaultKeymap, ...searchKeymap, ...historyKeymap, ...completionKeymap, ...markdownKeymap, indentWithTab]),
      EditorView.cspNonce.of(document.querySelector('meta[name="style-nonce"]')?.getAttribute('content') ?? ''),
      // GFM markdown without the embedded HTML/JS/CSS grammars (a third of the bundle's size for little benefit).
      new LanguageSupport(markdownLanguage),
      EditorView.lineWrapping,
      autocompletion({ override: [wikiLinks] }),
      EditorView.contentAttributes.of({ 'aria-label': 'Page text (markdown)' }),
      EditorView.updateListener.of((u) => {
        if (!u.docChanged) return;
        textarea.value = u.state.doc.toString();
        clearTimeout(previewTimer);
        previewTimer = setTimeout(renderPreview, 250);
        clearTimeout(draftTimer);
        draftTimer = setTimeout(saveDraft, 800);
      }),
      EditorView.domEventHandlers({
        drop(ev) {
          const files = [...(ev.dataTransfer?.files ?? [])];
          if (!files.length) return false;
          ev.preventDefault();
          const pos = view.posAtCoords({ x: ev.clientX, y: ev.clientY }) ?? view.state.selection.main.head;
          void uploadAll(files, pos);
          return true;
        },
        paste(ev) {
          const files = [...(ev.clipboardData?.files ?? [])];
          if (!files.length) return false;
          ev.preventDefault();
          void uploadAll(files, view.state.selection.main.head);
          return true;
        },
      }),
    ],
  });
  textarea.hidden = true;
  textarea.parentNode.insertBefore(view.dom, textarea.nextSibling);
  window.wikibotEditor = view;

  async function uploadAll(files, pos) {
    if (!form.dataset.path) {
      showNote('Save the page once before attaching files to it.');
      return;
    }
    for (const file of files) {
      showNote('Uploading ' + file.name + '…');
      try {
        const res = await window.wikibotUpload(form.dataset.upload, file);
        const link = (file.type.startsWith('image/') ? '!' : '') + '[' + res.name + '](' + res.url + ')\n';
        view.dispatch({ changes: { from: pos, insert: link } });
        pos += link.length;
        showNote('Uploaded ' + res.name + '.');
      } catch (err) {
        showNote(err.message);
      }
    }
  }

  // Only the newest preview may land: on a slow connection an older answer can arrive after a newer one.
  let previewRequest = null;

  async function renderPreview() {
    previewRequest?.abort();
    const request = new AbortController();
    previewRequest = request;
    const body = new URLSearchParams({ _csrf: csrf(), content: view.state.doc.toString() });
    try {
      const res = await fetch(form.dataset.preview, { method: 'POST', body, credentials: 'same-origin', headers: { 'x-csrf-token': csrf() }, signal: request.signal });
      const html = res.ok ? await res.text() : null;
      if (html !== null && previewRequest === request) {
        // Sanitized by the server (the same renderer as page views); the CSP forbids inline script besides.
        preview.innerHTML = html;
        previewPane.hidden = false;
      }
    } catch {
      /* offline or superseded: keep the last preview */
    }
  }

  function saveDraft() {
    try {
      localStorage.setItem(draftKey, JSON.stringify({ content: view.state.doc.toString(), revision: baseRevision, path: pagePath(), savedAt: new Date().toISOString() }));
    } catch {
      /* storage full or blocked */
    }
  }

  function showNote(text, buttons = []) {
    note.hidden = false;
    note.textContent = text + ' ';
    for (const [label, action] of buttons) {
      const b = document.createElement('button');
      b.type = 'button';
      b.textContent = label;
      b.addEventListener('click', action);
      note.append(b, ' ');
    }
  }

  let draft = null;
  try {
    draft = JSON.parse(localStorage.getItem(draftKey) || 'null');
  } catch {
    draft = null;
  }
  if (draft && draft.content !== view.state.doc.toString()) {
    showNote('You have an unsaved draft from ' + new Date(draft.savedAt).toLocaleString() + '.', [
      [
        'Restore draft',
        () => {
          view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: draft.content } });
          if (pathInput && draft.path && !pathInput.value) pathInput.value = draft.path;
          showNote('Draft restored. Saving is still based on the revision you opened, so changes made since are merged.');
        },
      ],
      [
        'Discard',
        () => {
          localStorage.removeItem(draftKey);
          note.hidden = true;
        },
      ],
    ]);
  }

  form.addEventListener('submit', () => {
    textarea.value = view.state.doc.toString();
    clearTimeout(draftTimer);
    try {
      localStorage.removeItem(draftKey);
    } catch {
      /* ignore */
    }
  });
  if (textarea.value) void renderPreview();
}
