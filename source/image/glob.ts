/**
 * Go's filepath.Match (and path.Match) patterns as regular expressions over a whole string:
 * `*` and `?` within one path component, `[...]` classes (`^` negates), `\\` escapes. Used
 * for COPY sources and .dockerignore, and for `images --filter reference=`.
 */
import {BerthError} from '../engine/errors.js';

const escapeRegExp = (text: string) => text.replaceAll(/[.*+?^${}()|[\]\\/]/g, '\\$&');

export const globRegExp = (pattern: string): RegExp => {
	let source = '';
	for (let i = 0; i < pattern.length; i++) {
		const ch = pattern[i]!;
		if (ch === '*') {
			source += '[^/]*';
		} else if (ch === '?') {
			source += '[^/]';
		} else if (ch === '\\' && i + 1 < pattern.length) {
			source += escapeRegExp(pattern[++i]!);
		} else if (ch === '[') {
			const end = pattern.indexOf(']', i + 2);
			if (end === -1) {
				throw new BerthError('INVALID_ARGUMENT', `invalid pattern \`${pattern}\`: unclosed \`[\``);
			}

			// Go's classes read as JavaScript's: ranges, and `^` to negate.
			source += `[${pattern.slice(i + 1, end)}]`;
			i = end;
		} else {
			source += escapeRegExp(ch);
		}
	}

	return new RegExp(`^${source}$`);
};
