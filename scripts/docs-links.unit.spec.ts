/**
 * The documentation's links, checked: every relative link in docs/ and workshop/ (pages, READMEs, hints)
 * points at a file that exists, every `#anchor` at a heading of the target page (GitHub's slugs), and
 * every external address is listed in docs/sources.md with what it supports. Links are found with
 * marked's lexer, so code blocks and inline code are not mistaken for links.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { marked, type Token, type Tokens } from 'marked';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const SOURCES = join(ROOT, 'docs', 'sources.md');

/** Markdown files under a folder, skipping generated and installed ones. */
function markdownFiles(dir: string): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name.startsWith('.') || entry.name === 'node_modules') continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) found.push(...markdownFiles(path));
    else if (entry.name.endsWith('.md')) found.push(path);
  }
  return found.sort();
}

/** Every link and image of a markdown text (not those inside code). */
export function linksOf(markdown: string): string[] {
  const links: string[] = [];
  const visit = (tokens: Token[] | undefined) => {
    for (const token of tokens ?? []) {
      if (token.type === 'link' || token.type === 'image') links.push((token as Tokens.Link).href);
      const nested = token as { tokens?: Token[]; items?: Token[]; header?: { tokens: Token[] }[]; rows?: { tokens: Token[] }[][] };
      visit(nested.tokens);
      visit(nested.items);
      for (const cell of nested.header ?? []) visit(cell.tokens);
      for (const row of nested.rows ?? []) for (const cell of row) visit(cell.tokens);
    }
  };
  visit(marked.lexer(markdown));
  return links;
}

/**
 * GitHub's heading anchors: lower case, punctuation removed (letters, digits, spaces, `-` and `_` kept),
 * spaces to `-`; a repeated heading gets `-1`, `-2`… Explicit `<a id="…">`/`<a name="…">` anchors count too.
 */
export function anchorsOf(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  for (const token of marked.lexer(markdown)) {
    if (token.type !== 'heading') continue;
    const text = (token as Tokens.Heading).text
      .replace(/<[^>]+>/g, '')
      .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
      .replace(/[`*_~]/g, (c) => (c === '_' ? '_' : ''));
    const base = text
      .trim()
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/\s/g, '-');
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    anchors.add(count === 0 ? base : `${base}-${count}`);
  }
  for (const match of markdown.matchAll(/<a\s+(?:id|name)="([^"]+)"/g)) anchors.add(match[1]!);
  return anchors;
}

const files = [...markdownFiles(join(ROOT, 'docs')), ...markdownFiles(join(ROOT, 'workshop'))];
const text = (file: string) => readFileSync(file, 'utf8');
const external = (href: string) => /^[a-z][a-z0-9+.-]*:/i.test(href);

test('the anchor slugger follows GitHub: punctuation dropped, spaces to dashes, repeats numbered', () => {
  const anchors = anchorsOf('# Step 05 · The out-of-order commit trap\n## What to do\n## What to do\n## `readAll`, and `$all`\n');
  assert.deepEqual([...anchors], ['step-05--the-out-of-order-commit-trap', 'what-to-do', 'what-to-do-1', 'readall-and-all']);
  assert.deepEqual(linksOf('[a](x.md#y) `[b](z.md)`\n\n```\n[c](w.md)\n```\n| t |\n| - |\n| [d](v.md) |\n'), ['x.md#y', 'v.md']);
});

test('every relative link in docs/ and workshop/ points at a file that exists, and every anchor at a heading', () => {
  const broken: string[] = [];
  for (const file of files) {
    for (const href of linksOf(text(file))) {
      if (external(href) || href.startsWith('//')) continue;
      const [path, anchor] = href.split('#') as [string, string | undefined];
      const target = path === '' ? file : resolve(dirname(file), decodeURIComponent(path));
      const where = `${relative(ROOT, file)}: ${href}`;
      if (!existsSync(target)) {
        broken.push(`${where} (no such file)`);
        continue;
      }
      if (anchor && target.endsWith('.md') && statSync(target).isFile() && !anchorsOf(text(target)).has(decodeURIComponent(anchor).toLowerCase())) {
        broken.push(`${where} (no heading with that anchor in ${relative(ROOT, target)})`);
      }
    }
  }
  assert.deepEqual(broken, []);
});

test('every external address in docs/ and workshop/ is listed in docs/sources.md, each with what it supports', () => {
  const listed = new Set(linksOf(text(SOURCES)).filter(external));
  assert.ok(listed.size > 20, 'sources.md lists the sources');
  const unlisted: string[] = [];
  for (const file of files) {
    if (file === SOURCES) continue;
    for (const href of linksOf(text(file))) {
      if (!/^https?:/.test(href) || /^https?:\/\/(localhost|127\.0\.0\.1)[:/]/.test(href)) continue;
      if (!listed.has(href)) unlisted.push(`${relative(ROOT, file)}: ${href}`);
    }
  }
  assert.deepEqual(unlisted, [], 'link these from docs/sources.md with the claim they support');
  // Each source is a table row: the link, then a cell saying what it supports.
  for (const line of text(SOURCES).split('\n').filter((l) => /^\| \[/.test(l))) {
    const cells = line.split(' | ');
    assert.ok(cells.length >= 2 && cells[1]!.replace(/\|/g, '').trim().length > 20, `says what it supports: ${line.slice(0, 80)}`);
  }
});

test('the primary sources issue 15 found missing are linked from docs/sources.md', () => {
  const sources = text(SOURCES);
  const expected: [string, RegExp][] = [
    ['pg_snapshot_xmin', /\[Transaction ID and snapshot information functions\]\(https:\/\/www\.postgresql\.org\/docs\/current\/functions-info\.html#FUNCTIONS-PG-SNAPSHOT\)/],
    ['xid8', /datatype-oid\.html/],
    ['LISTEN/NOTIFY', /sql-notify\.html/],
    ['KIP-98', /KIP-98/],
    ['KIP-890', /KIP-890/],
    ['KIP-447', /KIP-447/],
    ['the 400 KB item limit', /Constraints\.html#limits-items/],
    ['ClientRequestToken, 10 minutes', /API_TransactWriteItems\.html\) \| .*ClientRequestToken.*10 minutes/],
    ['conditional writes', /Expressions\.ConditionExpressions\.html/],
    ['EventStoreDB / KurrentDB', /docs\.kurrent\.io/],
    ["Marten's high water mark", /martendb\.io\/events\/projections\/async-daemon\.html/],
    ['SqlStreamStore', /github\.com\/SQLStreamStore\/SQLStreamStore/],
    ['Emmett', /event-driven-io\.github\.io\/emmett/],
    ['the skipped-event problem', /event-driven\.io\/en\/ordering_in_postgres_outbox/],
  ];
  assert.deepEqual(expected.filter(([, pattern]) => !pattern.test(sources)).map(([name]) => name), []);
});
