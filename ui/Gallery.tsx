import { byFolder, headline, type BuiltInEntry, type ScenarioSource } from './gallery.ts';

interface Props {
  builtIn: BuiltInEntry[];
  opened: ScenarioSource | null;
  selectedId: string | null;
  /** The opened file chosen. */
  onSelect: (source: ScenarioSource) => void;
  /** A built-in chosen, by id (its file is fetched then). */
  onSelectBuiltIn: (id: string) => void;
}

/** The scenario list: built-in scenarios grouped by topic folder, then an opened file, if any. */
export function Gallery({ builtIn, opened, selectedId, onSelect, onSelectBuiltIn }: Props) {
  return (
    <nav className="gallery" aria-label="Scenarios" data-testid="gallery">
      {byFolder(builtIn).map(([folder, entries]) => (
        <section key={folder} className="gallery-group">
          <h2 className="gallery-folder">{folder}</h2>
          <ul>
            {entries.map((e) => (
              <GalleryItem key={e.id} id={e.id} listed={headline(e)} selected={e.id === selectedId} onClick={() => onSelectBuiltIn(e.id)} />
            ))}
          </ul>
        </section>
      ))}
      {opened && (
        <section className="gallery-group">
          <h2 className="gallery-folder">opened file</h2>
          <ul>
            <GalleryItem id={opened.id} listed={headline(opened)} selected={opened.id === selectedId} onClick={() => onSelect(opened)} />
          </ul>
        </section>
      )}
    </nav>
  );
}

interface ItemProps {
  id: string;
  listed: ReturnType<typeof headline>;
  selected: boolean;
  onClick: () => void;
}

function GalleryItem({ id, listed, selected, onClick }: ItemProps) {
  const { title, description, invalid } = listed;
  return (
    <li>
      <button
        type="button"
        className={`gallery-item${selected ? ' selected' : ''}${invalid ? ' invalid' : ''}`}
        aria-current={selected ? 'true' : undefined}
        data-scenario-id={id}
        onClick={onClick}
      >
        <span className="gallery-title">{title}</span>
        <span className="gallery-description">{description}</span>
      </button>
    </li>
  );
}
