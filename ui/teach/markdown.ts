/**
 * The narration Markdown subset of lessons/FORMAT.md, parsed into a small tree that the page
 * renders as React elements (never as HTML): paragraphs, `- ` and `1. ` lists, *emphasis*,
 * **strong**, `code` and [links](https://…). Anything else — HTML included — stays the
 * characters it is. A link whose target is not http(s) is shown as its text alone.
 */

export type Inline =
  | { kind: 'text'; text: string }
  | { kind: 'em' | 'strong'; children: Inline[] }
  | { kind: 'code'; text: string }
  | { kind: 'link'; href: string; children: Inline[] };

export type Block = { kind: 'paragraph'; children: Inline[] } | { kind: 'list'; ordered: boolean; items: Inline[][] };

const BULLET = /^\s*[-*]\s+(.*)$/;
const NUMBERED = /^\s*\d+[.)]\s+(.*)$/;

/** Blocks separated by blank lines; consecutive list lines make one list. */
export function parseMarkdown(source: string): Block[] {
  const blocks: Block[] = [];
  let paragraph: string[] = [];
  let list: { ordered: boolean; items: string[] } | null = null;
  const flushParagraph = () => {
    if (paragraph.length > 0) blocks.push({ kind: 'paragraph', children: parseInline(paragraph.join(' ')) });
    paragraph = [];
  };
  const flushList = () => {
    if (list) blocks.push({ kind: 'list', ordered: list.ordered, items: list.items.map(parseInline) });
    list = null;
  };
  for (const line of source.replace(/\r\n?/g, '\n').split('\n')) {
    const bullet = BULLET.exec(line);
    const numbered = bullet ? null : NUMBERED.exec(line);
    const item = bullet ?? numbered;
    if (line.trim() === '') {
      flushParagraph();
      flushList();
    } else if (item) {
      flushParagraph();
      const ordered = numbered !== null;
      if (list && list.ordered !== ordered) flushList();
      list ??= { ordered, items: [] };
      list.items.push(item[1]);
    } else if (list && /^\s+\S/.test(line)) {
      // An indented line continues the list item above it.
      list.items[list.items.length - 1] += ` ${line.trim()}`;
    } else {
      flushList();
      paragraph.push(line.trim());
    }
  }
  flushParagraph();
  flushList();
  return blocks;
}

/** Only these link targets are followed; others render as plain text. */
export function isSafeHref(href: string): boolean {
  return /^https?:\/\/[^\s]+$/i.test(href);
}

/** Inline markup, left to right: code first (nothing inside it is markup), then links, strong, emphasis. */
export function parseInline(text: string): Inline[] {
  const out: Inline[] = [];
  let plain = '';
  const flush = () => {
    if (plain) out.push({ kind: 'text', text: plain });
    plain = '';
  };
  let i = 0;
  while (i < text.length) {
    const rest = text.slice(i);
    const span = matchSpan(rest);
    if (span) {
      flush();
      out.push(span.node);
      i += span.length;
    } else {
      plain += text[i];
      i++;
    }
  }
  flush();
  return out;
}

function matchSpan(rest: string): { node: Inline; length: number } | null {
  const code = /^`([^`]+)`/.exec(rest);
  if (code) return { node: { kind: 'code', text: code[1] }, length: code[0].length };
  const link = /^\[([^\]]+)\]\(([^)\s]+)\)/.exec(rest);
  if (link) {
    // An unsafe target (javascript:, data:, a relative path): the link's text alone, as text.
    const node: Inline = isSafeHref(link[2]) ? { kind: 'link', href: link[2], children: parseInline(link[1]) } : { kind: 'text', text: link[1] };
    return { node, length: link[0].length };
  }
  const strong = /^\*\*(?=\S)([\s\S]*?\S)\*\*/.exec(rest);
  if (strong) return { node: { kind: 'strong', children: parseInline(strong[1]) }, length: strong[0].length };
  const em = /^\*(?=[^\s*])([^*]*?[^\s*])\*/.exec(rest) ?? /^_(?=\S)([^_]*?\S)_(?![A-Za-z0-9])/.exec(rest);
  if (em) return { node: { kind: 'em', children: parseInline(em[1]) }, length: em[0].length };
  return null;
}
