/**
 * The bundle's string-width (esbuild's alias puts it in the place of the package for Ink and
 * the libraries Ink measures text with). string-width sends any text beyond ASCII through
 * Intl.Segmenter and an emoji regex of every RGI sequence, which the first time costs about
 * 50 ms of the UI's first frame; every frame of the UI has `›` or `…` in it. Characters that
 * are one column whatever follows them (Latin-1, punctuation, arrows, box drawing, blocks: what
 * the UI draws) are counted here; anything else, and text with escape codes, goes to
 * string-width. test/ui/string-width.test.ts holds the two to the same answers.
 */
import stringWidth from '../../node_modules/string-width/index.js';

type Options = Parameters<typeof stringWidth>[1];

/** Text of only these characters is as wide as it is long. The soft hyphen (U+00AD) is zero wide. */
const oneColumnEach = /^[\u0020-\u007E\u00A0-\u00AC\u00AE-\u00FF\u2010-\u2027\u2030-\u205E\u2190-\u21FF\u2500-\u259F]*$/;

export default function width(text: string, options?: Options): number {
	// East Asian Ambiguous characters (`…`, `─`, `█`) are two columns if asked.
	const narrow = options?.ambiguousIsNarrow ?? true;
	return narrow && typeof text === 'string' && oneColumnEach.test(text) ? text.length : stringWidth(text, options);
}
