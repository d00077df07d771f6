import type { ReactNode } from 'react';
import { parseMarkdown, type Inline } from './markdown.ts';

/** Narration as React elements: text is always text (React escapes it), links open safely in a new tab. */
export function Markdown({ source, className }: { source: string; className?: string }) {
  return (
    <div className={className ?? 'markdown'}>
      {parseMarkdown(source).map((block, i) =>
        block.kind === 'paragraph' ? (
          <p key={i}>{inlines(block.children)}</p>
        ) : block.ordered ? (
          <ol key={i}>{block.items.map((item, j) => <li key={j}>{inlines(item)}</li>)}</ol>
        ) : (
          <ul key={i}>{block.items.map((item, j) => <li key={j}>{inlines(item)}</li>)}</ul>
        ),
      )}
    </div>
  );
}

function inlines(nodes: Inline[]): ReactNode[] {
  return nodes.map((n, i) => {
    switch (n.kind) {
      case 'text':
        return n.text;
      case 'code':
        return <code key={i}>{n.text}</code>;
      case 'em':
        return <em key={i}>{inlines(n.children)}</em>;
      case 'strong':
        return <strong key={i}>{inlines(n.children)}</strong>;
      case 'link':
        return (
          <a key={i} href={n.href} target="_blank" rel="noopener noreferrer">
            {inlines(n.children)}
          </a>
        );
    }
  });
}
