import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { builtInScenarios, EXIT_OK, PROGRAM } from '../common.ts';
import type { CommandContext } from '../main.ts';
import { courseFolders, LESSONS_DIR, readCourse } from '../teaching-files.ts';
import { join } from 'node:path';

interface Listed {
  folder: string;
  name: string;
  file: string;
  title: string;
  variants: { name: string; description?: string }[];
}

/** The built-in scenarios, grouped by folder: title and variants. Files are read, not run. */
export function registerList(program: Command, ctx: CommandContext): void {
  const cmd = program
    .command('list')
    .summary('list the built-in scenarios, by folder, with their variants')
    .description(`List the built-in scenarios (scenarios/<folder>/*.json) with their titles and variants, grouped by folder. Any command takes a file or a name shown here (e.g. ${PROGRAM} run network/crash-restart). Exit status 0 (2 on a bad option).`)
    .option('--json', 'print JSON instead: {scenarios, courses}');
  ctx.action(cmd, (flags: { json?: boolean }) => {
    const listed: Listed[] = builtInScenarios().map((b) => {
      let title = '(unreadable)';
      let variants: Listed['variants'] = [];
      try {
        const raw = JSON.parse(readFileSync(b.file, 'utf8')) as { title?: unknown; variants?: unknown };
        if (typeof raw.title === 'string') title = raw.title;
        if (Array.isArray(raw.variants)) {
          variants = raw.variants
            .filter((v): v is { name: string; description?: unknown } => typeof v === 'object' && v !== null && typeof (v as { name?: unknown }).name === 'string')
            .map((v) => (typeof v.description === 'string' ? { name: v.name, description: v.description } : { name: v.name }));
        }
      } catch {
        title = '(not valid JSON)';
      }
      return { ...b, title, variants };
    });
    const courses = listedCourses();
    if (flags.json) {
      ctx.out.stdout(JSON.stringify({ scenarios: listed, courses }, null, 2) + '\n');
      return EXIT_OK;
    }
    const lines: string[] = [`Built-in scenarios — run one with: ${PROGRAM} run <folder>/<name> (or its file)`];
    const width = Math.max(0, ...listed.map((l) => l.folder.length + l.name.length + 1));
    let folder = '';
    for (const l of listed) {
      if (l.folder !== folder) {
        folder = l.folder;
        lines.push('', `${folder}/`);
      }
      lines.push(`  ${`${l.folder}/${l.name}`.padEnd(width)}  ${oneLine(l.title)}`);
      if (l.variants.length > 0) lines.push(`  ${' '.repeat(width)}  variants: ${l.variants.map((v) => v.name).join(', ')}`);
    }
    if (listed.length === 0) lines.push('', '(none found)');
    lines.push('', `Courses (lessons/<course>/) — open them in the sandbox's Learn mode; grade a challenge with: ${PROGRAM} grade <course>/<name> <files…>`);
    for (const c of courses) {
      lines.push('', `${c.folder}/  ${oneLine(c.title)}`);
      const width = Math.max(0, ...c.entries.map((e) => e.name.length));
      for (const e of c.entries) lines.push(`  ${e.name.padEnd(width)}  ${e.kind.padEnd(9)}  ${oneLine(e.title)}`);
    }
    if (courses.length === 0) lines.push('', '(none found)');
    ctx.out.stdout(lines.join('\n') + '\n');
    return EXIT_OK;
  });
}

function oneLine(s: string): string {
  return s.replace(/\s+/g, ' ').trim();
}

interface ListedCourse {
  folder: string;
  title: string;
  entries: { name: string; kind: string; title: string }[];
}

/** The courses in their order (then title), each with its lessons and challenges as the course lists them. */
function listedCourses(): ListedCourse[] {
  const out: (ListedCourse & { order: number })[] = [];
  for (const folder of courseFolders()) {
    const read = readCourse(folder);
    if (!read) continue;
    const entries = read.course.entries.map((entry) => {
      const name = `${folder}/${entry}`;
      try {
        const raw = JSON.parse(readFileSync(join(LESSONS_DIR, folder, `${entry}.json`), 'utf8')) as { kind?: unknown; title?: unknown };
        return { name, kind: typeof raw.kind === 'string' ? raw.kind : '?', title: typeof raw.title === 'string' ? raw.title : '(untitled)' };
      } catch {
        return { name, kind: '?', title: '(missing or not valid JSON)' };
      }
    });
    out.push({ folder, title: read.course.title, order: read.course.order, entries });
  }
  out.sort((a, b) => a.order - b.order || a.title.localeCompare(b.title));
  return out.map(({ order: _order, ...c }) => c);
}
