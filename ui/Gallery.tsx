import { byFolder, headline, type ScenarioSource } from './gallery.ts';

interface Props {
  builtIn: ScenarioSource[];
  opened: ScenarioSource | null;
  selectedId: string | null;
  onSelect: (source: ScenarioSource) => void;
}

/** The scenario list: built-in scenarios grouped by topic folder, then an opened file, if any. */
export function Gallery({ builtIn, opened, selectedId, onSelect }: Props) {
  return (
    <nav className="gallery" aria-label="Scenarios" data-testid="gallery">
      {byFolder(builtIn).map(([folder, sources]) => (
        <section key={folder} className="gallery-group">
          <h2 className="gallery-folder">{folder}</h2>
          <ul>
            {sources.map((s) => (
              <GalleryItem key={s.id} source={s} selected={s.id === selectedId} onSelect={onSelect} />
            ))}
          </ul>
        </section>
      ))}
      {opened && (
        <section className="gallery-group">
          <h2 className="gallery-folder">opened file</h2>
          <ul>
            <GalleryItem source={opened} selected={opened.id === selectedId} onSelect={onSelect} />
          </ul>
        </section>
      )}
    </nav>
  );
}

function GalleryItem({ source, selected, onSelect }: { source: ScenarioSource; selected: boolean; onSelect: (s: ScenarioSource) => void }) {
  const { title, description, invalid } = headline(source);
  return (
    <li>
      <button
        type="button"
        className={`gallery-item${selected ? ' selected' : ''}${invalid ? ' invalid' : ''}`}
        aria-current={selected ? 'true' : undefined}
        data-scenario-id={source.id}
        onClick={() => onSelect(source)}
      >
        <span className="gallery-title">{title}</span>
        <span className="gallery-description">{description}</span>
      </button>
    </li>
  );
}
