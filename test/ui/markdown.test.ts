/**
 * Narration Markdown (lessons/FORMAT.md): the subset becomes elements, everything else stays
 * the characters it is. Rendered to static markup with the page's own component, so "HTML shows
 * as text" is checked on what the browser would be given.
 */
import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { isSafeHref, parseMarkdown } from '../../ui/teach/markdown.ts';
import { Markdown } from '../../ui/teach/Markdown.tsx';

const html = (source: string) => renderToStaticMarkup(createElement(Markdown, { source }));

describe('narration markdown', () => {
  it('renders emphasis, strong, code, lists and paragraphs as elements', () => {
    expect(html('Clients call the **API**, which calls `payments` *once*.')).toBe(
      '<div class="markdown"><p>Clients call the <strong>API</strong>, which calls <code>payments</code> <em>once</em>.</p></div>',
    );
    expect(html('First\n\n- one\n- two\n\n1. a\n2. b')).toBe('<div class="markdown"><p>First</p><ul><li>one</li><li>two</li></ul><ol><li>a</li><li>b</li></ol></div>');
  });

  it('shows HTML as the characters it is', () => {
    const out = html('Hello <b>html</b> <script>alert(1)</script> <img src=x onerror=alert(1)>');
    expect(out).not.toContain('<b>');
    expect(out).not.toContain('<script');
    expect(out).not.toContain('<img');
    expect(out).toContain('&lt;b&gt;html&lt;/b&gt;');
  });

  it('links only to http(s), with rel="noopener noreferrer"', () => {
    expect(html('[docs](https://example.com/a)')).toBe(
      '<div class="markdown"><p><a href="https://example.com/a" target="_blank" rel="noopener noreferrer">docs</a></p></div>',
    );
    expect(html('[click](javascript:alert(1))')).not.toContain('<a');
    expect(html('[x](data:text/html,hi)')).toBe('<div class="markdown"><p>x</p></div>');
    expect(isSafeHref('http://a.b')).toBe(true);
    expect(isSafeHref('HTTPS://a.b')).toBe(true);
    expect(isSafeHref('/relative')).toBe(false);
  });

  it('leaves unmatched markers as text and keeps code literal', () => {
    expect(html('2 * 3 = 6 and a lone ** stays')).toBe('<div class="markdown"><p>2 * 3 = 6 and a lone ** stays</p></div>');
    expect(html('`**not strong**`')).toBe('<div class="markdown"><p><code>**not strong**</code></p></div>');
  });

  it('joins wrapped lines of a paragraph and of a list item', () => {
    expect(parseMarkdown('one\ntwo')).toEqual([{ kind: 'paragraph', children: [{ kind: 'text', text: 'one two' }] }]);
    expect(parseMarkdown('- a\n  more')).toEqual([{ kind: 'list', ordered: false, items: [[{ kind: 'text', text: 'a more' }]] }]);
  });
});
