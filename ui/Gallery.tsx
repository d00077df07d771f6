import { byFolder, type ScenarioSource } from './gallery.ts';

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
  const { loaded } = source;
  return (
    <li>
      <button
        type="button"
        className={`gallery-item${selected ? ' selected' : ''}${loaded.ok ? '' : ' invalid'}`}
        aria-current={selected ? 'true' : undefined}
        data-scenario-id={source.id}
        onClick={() => onSelect(source)}
      >
        <span className="gallery-title">{loaded.ok ? loaded.scenario.title : source.id}</span>
        <span className="gallery-description">
          {loaded.ok ? loaded.scenario.description : `Not a valid scenario (${plural(loaded.errors.length, 'problem')})`}
        </span>
      </button>
    </li>
  );
}

function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}
