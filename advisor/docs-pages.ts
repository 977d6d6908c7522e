// The repository's Markdown docs served as HTML pages (issue 13, defect 5: evidence links opened raw
// Markdown, so anchors did nothing and images did not render). Headings get GitHub-style ids, so the
// links the advisor and the docs already use (`capabilities.md#appendexpected-version`) land on them.
// Rendered once per file version (mtime) and cached; files are the repository's own, not user input.
import { readFile, stat } from 'node:fs/promises';
import { posix, relative, resolve, sep } from 'node:path';
import { Marked, type Tokens } from 'marked';
import type { RequestHandler } from 'express';

const decode = (html: string) =>
  html
    .replace(/<[^>]+>/g, '')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&');

/** GitHub's heading slug: lower case, punctuation dropped (dots too), spaces to hyphens. */
export function slug(text: string): string {
  return text
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);

/** Renders one Markdown page. `pagePath` is the page's path under docs/ (to tell which links leave it). */
export function renderMarkdownPage(markdown: string, pagePath: string): { html: string; title: string } {
  const seen = new Map<string, number>();
  let title = '';
  const marked = new Marked({
    gfm: true,
    renderer: {
      heading(this: { parser: { parseInline: (t: Tokens.Heading['tokens']) => string } }, token: Tokens.Heading) {
        const inner = this.parser.parseInline(token.tokens);
        const base = slug(decode(inner));
        const n = seen.get(base) ?? 0;
        seen.set(base, n + 1);
        const id = n === 0 ? base : `${base}-${n}`;
        if (!title && token.depth === 1) title = decode(inner);
        return `<h${token.depth} id="${escapeHtml(id)}"><a class="anchor" href="#${escapeHtml(id)}" aria-hidden="true" tabindex="-1">#</a>${inner}</h${token.depth}>\n`;
      },
      link(this: { parser: { parseInline: (t: Tokens.Link['tokens']) => string } }, token: Tokens.Link) {
        const inner = this.parser.parseInline(token.tokens);
        const href = token.href;
        if (/^[a-z]+:/i.test(href) || href.startsWith('#') || href.startsWith('/')) {
          const external = /^https?:/i.test(href);
          return `<a href="${escapeHtml(href)}"${external ? ' rel="noopener noreferrer"' : ''}>${inner}</a>`;
        }
        // A relative link that leaves docs/ points at a source file the advisor does not serve: say where it is.
        const target = posix.normalize(posix.join(posix.dirname(pagePath), href.split('#')[0] ?? ''));
        if (target.startsWith('..')) return `<span class="repo-link" title="A file in the repository: ${escapeHtml(target.replace(/^(\.\.\/)+/, ''))}">${inner}</span>`;
        return `<a href="${escapeHtml(href)}">${inner}</a>`;
      },
    },
  });
  // Wide tables scroll inside a focusable region (keyboard users can scroll it), never the whole page.
  const body = marked
    .parse(markdown, { async: false })
    .replaceAll('<table>', '<div class="table-scroll" role="region" aria-label="Table" tabindex="0"><table>')
    .replaceAll('</table>', '</table></div>');
  return { html: body, title: title || pagePath };
}

function page(title: string, body: string, pagePath: string): string {
  return `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>${escapeHtml(title)} · Event Store Workbench docs</title>
  <link rel="icon" href="/favicon.svg" type="image/svg+xml">
  <link rel="stylesheet" href="/docs.css">
</head>
<body>
  <header class="docs-header"><nav aria-label="Site"><a href="/">Design advisor</a> · <a href="/docs/README.md">Documentation</a> · <span>${escapeHtml(pagePath)}</span></nav></header>
  <main class="docs">
${body}
  </main>
</body>
</html>
`;
}

/** Serves `<docsDir>/**.md` as HTML; everything else falls through (to the static files). */
export function markdownPages(docsDir: string): RequestHandler {
  const root = resolve(docsDir);
  const cache = new Map<string, { mtimeMs: number; html: string }>();
  return (req, res, next) => {
    if ((req.method !== 'GET' && req.method !== 'HEAD') || !req.path.endsWith('.md')) {
      next();
      return;
    }
    let decoded: string;
    try {
      decoded = decodeURIComponent(req.path);
    } catch {
      next();
      return;
    }
    const file = resolve(root, `.${decoded}`);
    const rel = relative(root, file);
    if (rel.startsWith('..') || rel.split(sep).some((part) => part.startsWith('.'))) {
      next();
      return;
    }
    void (async () => {
      try {
        const info = await stat(file);
        let hit = cache.get(file);
        if (!hit || hit.mtimeMs !== info.mtimeMs) {
          const pagePath = rel.split(sep).join('/');
          const { html, title } = renderMarkdownPage(await readFile(file, 'utf8'), pagePath);
          hit = { mtimeMs: info.mtimeMs, html: page(title, html, pagePath) };
          cache.set(file, hit);
        }
        res.type('html').send(hit.html);
      } catch {
        next();
      }
    })();
  };
}
