/**
 * Learn mode (its own chunk, loaded on first use): the course page, a lesson in the player, a
 * challenge in its panel, or a lesson opened from a file or a link. What shows follows the
 * location fragment (ui/teach/lesson-link.ts), so Back in the browser and shared links work.
 */
import { useCallback, useEffect, useMemo, useState, type ChangeEvent } from 'react';
import type { TeachingLoad } from '../../sim/lesson/load.ts';
import { MAX_SCENARIO_BYTES } from '../../sim/scenario/load.ts';
import { ErrorList } from '../ErrorList.tsx';
import { ChallengePanel } from './ChallengePanel.tsx';
import { entryText, loadCourses, loadTeaching, type LoadedCourse } from './catalog.ts';
import { readLessonLink } from './lesson-link.ts';
import { LessonPlayer } from './LessonPlayer.tsx';
import { Markdown } from './Markdown.tsx';
import { readProgress, recordProgress, type Progress } from './progress.ts';
import { usePresenterKeys } from './presenter.ts';
import './teach.css';

type Target =
  | { kind: 'loading' }
  | { kind: 'course-page' }
  /** A built-in entry (`course/name`), or a lesson from a file or a link (name null: no progress kept). */
  | { kind: 'entry'; name: string | null; label: string; load: TeachingLoad }
  | { kind: 'error'; message: string };

export default function LearnMode({ onExit }: { onExit: () => void }) {
  const courses = useMemo(loadCourses, []);
  const [target, setTarget] = useState<Target>({ kind: 'loading' });
  const [presenter, setPresenter] = useState(false);
  const [progress, setProgress] = useState<Progress>(() => readProgress());

  useEffect(() => {
    let current = true;
    const follow = async () => {
      const link = await readLessonLink(location.hash);
      if (!current) return;
      setTarget(targetOf(link));
    };
    void follow();
    window.addEventListener('hashchange', follow);
    return () => {
      current = false;
      window.removeEventListener('hashchange', follow);
    };
  }, []);

  const open = useCallback((name: string | null) => {
    location.hash = name === null ? 'learn' : `lesson=${name}`;
  }, []);

  const openFile = async (event: ChangeEvent<HTMLInputElement>) => {
    const input = event.currentTarget;
    const file = input.files?.[0];
    input.value = '';
    if (!file) return;
    if (file.size > MAX_SCENARIO_BYTES) return setTarget({ kind: 'error', message: `the file is ${file.size} bytes, more than the limit of ${MAX_SCENARIO_BYTES}` });
    const text = await file.text();
    history.replaceState(null, '', `${location.pathname}${location.search}#learn`);
    setTarget({ kind: 'entry', name: null, label: file.name, load: loadTeaching(text) });
  };

  const nextOf = (name: string | null): string | null => {
    const course = courses.find((c) => c.entries.some((e) => e.name === name));
    const at = course?.entries.findIndex((e) => e.name === name) ?? -1;
    return course?.entries[at + 1]?.name ?? null;
  };

  return (
    <div className={`learn${presenter ? ' presenter' : ''}`} data-testid="learn">
      <nav className="learn-bar">
        <button type="button" className="button secondary" onClick={() => open(null)} data-testid="course-page-link">
          Courses
        </button>
        <label className="presenter-toggle">
          <input type="checkbox" checked={presenter} onChange={(e) => setPresenter(e.currentTarget.checked)} data-testid="presenter-mode" /> Presenter mode
        </label>
        <label className="open-file">
          <span className="button secondary">Open lesson file…</span>
          <input type="file" accept=".json,application/json" onChange={(e) => void openFile(e)} data-testid="open-lesson-file" />
        </label>
        <button type="button" className="button secondary" onClick={onExit} data-testid="leave-learn">
          Back to the sandbox
        </button>
      </nav>
      {target.kind === 'loading' && <p className="muted">Loading…</p>}
      {target.kind === 'error' && (
        <section className="scenario invalid" data-testid="lesson-invalid">
          <p className="error-lead">This lesson link cannot be opened:</p>
          <ErrorList errors={[{ path: '(link)', message: target.message }]} testId="lesson-errors" />
        </section>
      )}
      {target.kind === 'course-page' && <CoursePage courses={courses} progress={progress} onOpen={open} presenter={presenter} />}
      {target.kind === 'entry' && (
        <Entry
          key={`${target.name ?? target.label}`}
          target={target}
          progress={progress}
          presenter={presenter}
          onProgress={(update) => target.name !== null && setProgress(recordProgress(target.name, update))}
          onFinish={() => open(nextOf(target.name))}
        />
      )}
    </div>
  );

  function targetOf(link: Awaited<ReturnType<typeof readLessonLink>>): Target {
    switch (link.kind) {
      case 'course-page':
        return { kind: 'course-page' };
      case 'error':
        return link;
      case 'data':
        return { kind: 'entry', name: null, label: 'shared lesson', load: loadTeaching(link.text) };
      case 'entry': {
        const text = entryText(link.name);
        if (text === undefined) return { kind: 'error', message: `there is no lesson or challenge lessons/${link.name}.json` };
        return { kind: 'entry', name: link.name, label: link.name, load: loadTeaching(text) };
      }
    }
  }
}

interface EntryProps {
  target: Extract<Target, { kind: 'entry' }>;
  progress: Progress;
  presenter: boolean;
  onProgress: (update: { step?: number; done?: boolean; passedCost?: number | null }) => void;
  onFinish: () => void;
}

function Entry({ target, progress, presenter, onProgress, onFinish }: EntryProps) {
  const { load, name, label } = target;
  // A challenge has no steps: in presenter mode N moves on to the course's next entry.
  usePresenterKeys(presenter && load.ok && load.kind === 'challenge', { next: onFinish, back: () => history.back(), reveal: () => {}, replay: () => {}, toggleControls: () => {}, toggleWide: () => {} });
  if (!load.ok) {
    return (
      <section className="scenario invalid" data-testid="lesson-invalid">
        <h2>{label}</h2>
        <p className="error-lead">This is not a valid lesson, challenge or course:</p>
        <ErrorList errors={load.errors} testId="lesson-errors" />
      </section>
    );
  }
  if (load.kind === 'lesson') {
    const remembered = name === null ? undefined : progress[name];
    return (
      <LessonPlayer
        lesson={load.lesson}
        played={load.played}
        firstStep={remembered && !remembered.done ? remembered.step : 0}
        presenter={presenter}
        onProgress={(step, done) => onProgress({ step, done })}
        onFinish={onFinish}
      />
    );
  }
  if (load.kind === 'challenge') {
    return <ChallengePanel name={name ?? label.replace(/\.json$/, '')} challenge={load.challenge} played={load.played} onGraded={(g) => g.passed && onProgress({ done: true, passedCost: g.cost })} />;
  }
  return (
    <section className="scenario">
      <h2>{load.course.title}</h2>
      <Markdown source={load.course.summary} />
      <p className="muted">A course file: its lessons are listed on the course page when it is in lessons/.</p>
    </section>
  );
}

function CoursePage({ courses, progress, onOpen, presenter }: { courses: LoadedCourse[]; progress: Progress; onOpen: (name: string) => void; presenter: boolean }) {
  return (
    <section className="course-page" data-testid="course-page">
      <h2>Learn</h2>
      <p className="muted">
        Narrated lessons that pause the run, ask before they show, and wait for you to try things; challenges graded on fixed seeds. {presenter ? 'Presenter mode: N and B step through, R reveals.' : ''}
      </p>
      {courses.length === 0 && <p className="muted">No courses yet.</p>}
      {courses.map((c) => (
        <article key={c.folder} className="course" data-testid="course" data-course={c.folder}>
          <h3>{c.course.title}</h3>
          <Markdown source={c.course.summary} />
          <ol className="course-entries">
            {c.entries.map((e) => (
              <li key={e.name}>
                <button type="button" className="link-button" onClick={() => onOpen(e.name)} data-testid={`entry-${e.name}`}>
                  {e.loaded.ok ? (e.loaded.kind === 'lesson' ? e.loaded.lesson.title : e.loaded.kind === 'challenge' ? e.loaded.challenge.title : e.name) : e.name}
                </button>
                <span className="entry-kind muted">{e.loaded.ok ? e.loaded.kind : 'invalid'}</span>
                <EntryStatus name={e.name} load={e.loaded} progress={progress} />
              </li>
            ))}
          </ol>
        </article>
      ))}
    </section>
  );
}

function EntryStatus({ name, load, progress }: { name: string; load: TeachingLoad; progress: Progress }) {
  const p = progress[name];
  const steps = load.ok && load.kind === 'lesson' ? load.lesson.steps.length : 0;
  let text = 'not started';
  let tone = 'muted';
  if (p?.done) {
    text = load.ok && load.kind === 'challenge' ? `passed · cost ${p.passedCost ?? '?'}` : 'done';
    tone = 'good';
  } else if (p && steps > 0) text = `step ${p.step + 1} of ${steps}`;
  return (
    <span className={`entry-status ${tone}`} data-testid={`status-${name}`} data-status={p?.done ? 'done' : p ? 'started' : 'new'}>
      {text}
    </span>
  );
}
