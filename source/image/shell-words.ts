/**
 * The word rules of Dockerfile instructions (moby's buildkit frontend, shell/lex.go and
 * parser/line_parsers.go), shared by `import -c`, `commit -c` and the builder: words split at
 * blanks outside quotes, then each word loses its quotes and escapes and has its $VARIABLES
 * expanded. Only the backslash escape is supported (no `# escape=` directive).
 */
import {BerthError} from '../engine/errors.js';

export type Lookup = (name: string) => string | undefined;

const syntax = (word: string, why: string): BerthError =>
	new BerthError('INVALID_ARGUMENT', `cannot parse \`${word}\`: ${why}`);

/**
 * Splits `text` at blanks outside quotes. Quotes and escapes stay in the words, as Docker's
 * parseWords keeps them: `expandWord` removes them later.
 */
export const splitWords = (text: string): string[] => {
	const words: string[] = [];
	let word = '';
	let inWord = false;
	let quote = '';
	for (let i = 0; i < text.length; i++) {
		const ch = text[i]!;
		if (quote === '' && /\s/.test(ch)) {
			if (inWord) {
				words.push(word);
			}

			word = '';
			inWord = false;
			continue;
		}

		inWord = true;
		if (ch === '\\' && quote !== '\'') {
			// An escape at the very end is dropped; otherwise it stays with the character it protects.
			if (i + 1 < text.length) {
				word += ch + text[++i]!;
			}

			continue;
		}

		if (quote === '' && (ch === '"' || ch === '\'')) {
			quote = ch;
		} else if (ch === quote) {
			quote = '';
		}

		word += ch;
	}

	if (inWord) {
		words.push(word);
	}

	return words;
};

/** Reads one word as the shell would: quotes removed, escapes applied, variables expanded. */
export const expandWord = (word: string, lookup: Lookup): string => {
	let pos = 0;

	const name = (): string => {
		const match = /^(?:\d+|[A-Za-z_]\w*)/.exec(word.slice(pos));
		pos += match?.[0].length ?? 0;
		return match?.[0] ?? '';
	};

	// ${NAME}, ${NAME:-default}, ${NAME:+alternative}, ${NAME:?message}; $NAME; a lone $ is kept.
	const dollar = (): string => {
		pos++;
		if (word[pos] !== '{') {
			const variable = name();
			return variable === '' ? '$' : lookup(variable) ?? '';
		}

		pos++;
		const variable = name();
		if (variable === '') {
			throw syntax(word, 'bad substitution');
		}

		if (word[pos] === '}') {
			pos++;
			return lookup(variable) ?? '';
		}

		if (word[pos] !== ':') {
			throw syntax(word, `missing ':' in substitution`);
		}

		const modifier = word[pos + 1];
		pos += 2;
		const operand = until('}');
		const value = lookup(variable) ?? '';
		switch (modifier) {
			case '-': {
				return value === '' ? operand : value;
			}

			case '+': {
				return value === '' ? '' : operand;
			}

			case '?': {
				if (value === '') {
					throw new BerthError('INVALID_ARGUMENT', `\`${variable}\`: ${operand || 'is not allowed to be empty'}`);
				}

				return value;
			}

			default: {
				throw syntax(word, `unsupported modifier \`${modifier ?? ''}\` in substitution`);
			}
		}
	};

	const singleQuoted = (): string => {
		const end = word.indexOf('\'', pos + 1);
		if (end === -1) {
			throw syntax(word, 'missing closing single quote');
		}

		const text = word.slice(pos + 1, end);
		pos = end + 1;
		return text;
	};

	// Inside double quotes a backslash escapes only ", $ and itself; elsewhere it stays literal.
	const doubleQuoted = (): string => {
		let text = '';
		pos++;
		while (word[pos] !== '"') {
			const ch = word[pos];
			if (ch === undefined) {
				throw syntax(word, 'missing closing double quote');
			}

			if (ch === '$') {
				text += dollar();
			} else if (ch === '\\' && ['"', '$', '\\'].includes(word[pos + 1]!)) {
				text += word[pos + 1];
				pos += 2;
			} else {
				text += ch;
				pos++;
			}
		}

		pos++;
		return text;
	};

	/** Reads up to the unquoted `stop` (consumed), or to the end of the word when `stop` is empty. */
	function until(stop: string): string {
		let text = '';
		while (pos < word.length) {
			const ch = word[pos]!;
			if (ch === stop) {
				pos++;
				return text;
			}

			if (ch === '\'') {
				text += singleQuoted();
			} else if (ch === '"') {
				text += doubleQuoted();
			} else if (ch === '$') {
				text += dollar();
			} else if (ch === '\\') {
				text += word[pos + 1] ?? '';
				pos += 2;
			} else {
				text += ch;
				pos++;
			}
		}

		if (stop !== '') {
			throw syntax(word, `missing '${stop}'`);
		}

		return text;
	}

	return until('');
};

/** A lookup over an image's `KEY=value` environment list. */
export const envLookup = (env: readonly string[] | undefined): Lookup => (name: string) =>
	env?.find(item => item.startsWith(`${name}=`))?.slice(name.length + 1);
