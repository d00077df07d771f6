/**
 * Links into Learn mode, in the location fragment like the scenario links of ui/share.ts:
 *
 *   #learn                         the course page
 *   #lesson=<course>/<name>        a built-in lesson or challenge
 *   #lesson-data=<base64url of deflate-raw(JSON)>   a whole lesson (the builder's share link)
 *
 * A lesson in a link is untrusted: the packed part is capped before decoding and while it
 * inflates, then the text goes through the same validation as a lesson file.
 */
import { MAX_SCENARIO_BYTES } from '../../sim/scenario/load.ts';
import { base64url, deflate, inflate, MAX_SHARE_CHARS, unbase64url } from '../share.ts';

export type LessonLink = { kind: 'course-page' } | { kind: 'entry'; name: string } | { kind: 'data'; text: string } | { kind: 'error'; message: string };

export async function readLessonLink(hash: string): Promise<LessonLink> {
  const raw = hash.replace(/^#/, '');
  if (raw.length > MAX_SHARE_CHARS) return { kind: 'error', message: `the link is ${raw.length.toLocaleString('en')} characters long, more than the limit of ${MAX_SHARE_CHARS.toLocaleString('en')}` };
  const params = new URLSearchParams(raw);
  const name = params.get('lesson');
  if (name !== null) return { kind: 'entry', name };
  const packed = params.get('lesson-data');
  if (packed === null) return { kind: 'course-page' };
  const bytes = unbase64url(packed);
  if (bytes === null) return { kind: 'error', message: 'the link is damaged: its lesson part is not base64url text (was it cut short when copied?)' };
  const inflated = await inflate(bytes, MAX_SCENARIO_BYTES);
  if (!inflated.ok) return { kind: 'error', message: inflated.message.replace("link's scenario", "link's lesson").replace('its scenario part', 'its lesson part') };
  try {
    return { kind: 'data', text: new TextDecoder('utf-8', { fatal: true }).decode(inflated.bytes) };
  } catch {
    return { kind: 'error', message: 'the link is damaged: its lesson is not UTF-8 text' };
  }
}

/** The share fragment for a lesson's text, or why not (too long for a link: export the file). */
export async function lessonFragment(text: string): Promise<{ ok: true; fragment: string } | { ok: false; message: string }> {
  const compact = JSON.stringify(JSON.parse(text));
  const fragment = `#lesson-data=${base64url(await deflate(new TextEncoder().encode(compact)))}`;
  if (fragment.length > MAX_SHARE_CHARS) return { ok: false, message: `the link would be ${fragment.length.toLocaleString('en')} characters, more than the limit of ${MAX_SHARE_CHARS.toLocaleString('en')}: export the file instead` };
  return { ok: true, fragment };
}
