/**
 * The part of Go's text/template that `--format` needs in practice: `{{.Field.Sub}}`,
 * `{{json .Field}}`, `{{upper}}`/`{{lower}}`, `{{index .Map "key"}}`, `{{join .List ","}}` and
 * the `table` prefix that adds a header row.
 */
import {BerthError} from '../engine/errors.js';
import {table} from './format.js';

type Value = unknown;

const lookup = (data: Value, path: string): Value => {
	if (path === '.') {
		return data;
	}

	let value = data;
	for (const key of path.slice(1).split('.')) {
		if (value === null || typeof value !== 'object' || !(key in value)) {
			throw new BerthError('INVALID_ARGUMENT', `template: can't evaluate field \`${key}\``);
		}

		value = (value as Record<string, Value>)[key];
	}

	return value;
};

const show = (value: Value): string => {
	if (value === null || value === undefined) {
		return '<nil>';
	}

	if (Array.isArray(value)) {
		return `[${value.map(show).join(' ')}]`;
	}

	if (typeof value === 'object') {
		return `map[${Object.entries(value).map(([key, item]) => `${key}:${show(item)}`).join(' ')}]`;
	}

	return String(value);
};

/** Splits an action into words, keeping "quoted strings" whole. */
const words = (action: string): string[] => action.match(/"(?:[^"\\]|\\.)*"|\S+/g) ?? [];

const argument = (word: string, data: Value): Value =>
	word.startsWith('"') ? JSON.parse(word) as string : lookup(data, word);

const evaluate = (action: string, data: Value): string => {
	const [head = '.', ...rest] = words(action);
	const args = rest.map(word => argument(word, data));
	switch (head) {
		case 'json': {
			return JSON.stringify(args[0] ?? data);
		}

		case 'upper': {
			return show(args[0]).toUpperCase();
		}

		case 'lower': {
			return show(args[0]).toLowerCase();
		}

		case 'index': {
			return show((args[0] as Record<string, Value> | undefined)?.[String(args[1])]);
		}

		case 'join': {
			return ((args[0] as Value[] | null) ?? []).map(show).join(String(args[1] ?? ''));
		}

		default: {
			if (head.startsWith('.')) {
				return show(lookup(data, head));
			}

			if (head.startsWith('"')) {
				return String(JSON.parse(head));
			}

			throw new BerthError('INVALID_ARGUMENT', `template: function \`${head}\` not defined`);
		}
	}
};

const render = (template: string, data: Value): string =>
	template.replace(/{{-?\s*(.*?)\s*-?}}/g, (_, action: string) => evaluate(action, data));

/** The header of a `table` format: each field's last name, upper-cased ("{{.ID}}" gives "ID"). */
const header = (template: string, headers: Record<string, string>): string =>
	template.replace(/{{-?\s*(.*?)\s*-?}}/g, (_, action: string) => {
		const field = words(action).find(word => word.startsWith('.'))?.split('.').pop() ?? '';
		return headers[field] ?? field.toUpperCase();
	});

/** Formats each item; `headers` names columns for `table` formats. */
export const formatAll = (format: string, items: Value[], headers: Record<string, string> = {}): string => {
	const tableFormat = /^table\s*/.exec(format);
	const body = format.slice(tableFormat?.[0].length ?? 0).replace(/\\t/g, '\t').replace(/\\n/g, '\n');
	const lines = items.map(item => render(body, item));
	if (!tableFormat) {
		return lines.map(line => `${line}\n`).join('');
	}

	return table(header(body, headers).split('\t'), lines.map(line => line.split('\t')));
};
