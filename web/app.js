// Wikibot site script (every page, kept tiny): theme toggle, keyboard shortcuts (/ search, e edit), the phone menu,
// attachment uploads with progress, and copy buttons on code blocks. The page works without it.
(function () {
  'use strict';
  var root = document.documentElement;
  try {
    var saved = localStorage.getItem('wikibot-theme');
    if (saved === 'dark' || saved === 'light') root.dataset.theme = saved;
  } catch (e) { /* storage may be blocked */ }

  function csrf() {
    var m = document.querySelector('meta[name="csrf-token"]');
    return m ? m.getAttribute('content') : '';
  }
  window.wikibotCsrf = csrf;

  // options: { name: store under another name, replace: false to refuse a name the page already has }.
  function upload(url, file, onProgress, options) {
    var o = options || {};
    return new Promise(function (resolve, reject) {
      var xhr = new XMLHttpRequest();
      xhr.open('POST', url + '?filename=' + encodeURIComponent(o.name || file.name) + (o.replace === false ? '&replace=0' : ''));
      xhr.setRequestHeader('x-csrf-token', csrf());
      xhr.setRequestHeader('content-type', 'application/octet-stream');
      xhr.upload.onprogress = function (ev) { if (onProgress && ev.lengthComputable) onProgress(ev.loaded / ev.total); };
      xhr.onload = function () {
        var body = {};
        try { body = JSON.parse(xhr.responseText); } catch (e) { /* not JSON */ }
        if (xhr.status === 201) resolve(body); else reject(new Error(body.message || ('Upload failed (' + xhr.status + ')')));
      };
      xhr.onerror = function () { reject(new Error('Upload failed: network error')); };
      xhr.send(file);
    });
  }
  window.wikibotUpload = upload;

  document.addEventListener('DOMContentLoaded', function () {
    var toggle = document.querySelector('.theme-toggle');
    if (toggle) toggle.addEventListener('click', function () {
      var dark = root.dataset.theme ? root.dataset.theme === 'dark' : matchMedia('(prefers-color-scheme: dark)').matches;
      root.dataset.theme = dark ? 'light' : 'dark';
      try { localStorage.setItem('wikibot-theme', root.dataset.theme); } catch (e) { /* ignore */ }
    });
    var menu = document.querySelector('.menu-toggle');
    if (menu) menu.addEventListener('click', function () {
      var open = document.body.classList.toggle('show-sidebar');
      menu.setAttribute('aria-expanded', String(open));
    });
    document.addEventListener('keydown', function (ev) {
      if (ev.ctrlKey || ev.metaKey || ev.altKey) return;
      var t = ev.target;
      if (t && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName))) return;
      if (ev.key === '/') {
        var q = document.getElementById('q');
        if (q) { ev.preventDefault(); q.focus(); q.select(); }
      } else if (ev.key === 'e') {
        var edit = document.querySelector('[data-shortcut="e"]');
        if (edit) { ev.preventDefault(); location.href = edit.getAttribute('href'); }
      }
    });
    // A copy button on each code block of a page (Clipboard API; secure contexts only, so no button elsewhere).
    if (navigator.clipboard) document.querySelectorAll('.content pre > code').forEach(function (code) {
      var pre = code.parentNode, wrap = document.createElement('div'), button = document.createElement('button');
      wrap.className = 'code-wrap';
      pre.parentNode.insertBefore(wrap, pre);
      wrap.appendChild(pre);
      button.type = 'button';
      button.className = 'copy-code';
      button.title = 'Copy code';
      button.setAttribute('aria-live', 'polite');
      button.textContent = 'Copy';
      button.addEventListener('click', function () {
        var show = function (text) {
          button.textContent = text;
          button.classList.toggle('copied', text === 'Copied');
          setTimeout(function () { button.textContent = 'Copy'; button.classList.remove('copied'); }, 2000);
        };
        navigator.clipboard.writeText(code.textContent).then(function () { show('Copied'); }, function () { show('Copy failed'); });
      });
      wrap.appendChild(button);
    });
    var form = document.querySelector('form.upload');
    if (form) {
      var input = form.querySelector('input[type=file]');
      var bar = form.querySelector('progress');
      var status = form.querySelector('.upload-status');
      form.addEventListener('submit', function (ev) {
        ev.preventDefault();
        var files = Array.prototype.slice.call(input.files);
        var saveAs = form.elements.save_as.value.trim();
        var replace = form.elements.replace.checked;
        if (saveAs && files.length !== 1) { status.textContent = 'Choose one file to save it under another name.'; return; }
        var done = 0;
        bar.hidden = false;
        var next = function () {
          if (done === files.length) { location.href = location.pathname + '?notice=' + encodeURIComponent('Uploaded ' + files.length + ' file(s).'); return; }
          var f = files[done];
          status.textContent = 'Uploading ' + (saveAs || f.name) + '…';
          upload(form.dataset.upload, f, function (p) { bar.value = Math.round(((done + p) / files.length) * 100); }, { name: saveAs, replace: replace })
            .then(function () { done++; next(); }, function (err) { status.textContent = err.message; });
        };
        next();
      });
    }
  });
})();
