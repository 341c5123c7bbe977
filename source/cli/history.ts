import type {Command} from 'commander';
import {shortId} from '../runtime/names.js';
import {parseBoolean} from './commit.js';
import {getEngine} from './context.js';
import {ago, humanSize, table} from './format.js';
import {formatAll} from './template.js';

type Flags = {trunc?: boolean; quiet?: boolean; human?: boolean; format?: string};

/** Docker cuts CREATED BY at 45 characters. */
const cut = (text: string, truncate: boolean) => truncate && text.length > 45 ? `${text.slice(0, 44)}…` : text;

export const defineHistory = (program: Command, name = 'history'): void => {
	program.command(name)
		.description('Show the history of an image, newest step first')
		.argument('<image>')
		.option('--no-trunc', 'do not truncate output')
		.option('-q, --quiet', 'only show image ids')
		.option('-H, --human [bool]', 'sizes and dates in human-readable form (default true)', parseBoolean)
		.option('--format <template>', 'format the output with a Go template')
		.action(async (image: string, flags: Flags) => {
			const truncate = flags.trunc !== false;
			const human = flags.human !== false;
			const rows = (await getEngine().images.history(image)).map(row => ({
				ID: row.id ? (truncate ? shortId(row.id) : row.id) : '<missing>',
				CreatedSince: row.created ? (human ? ago(row.created) : row.created) : 'N/A',
				CreatedAt: row.created ?? '',
				CreatedBy: cut(row.createdBy, truncate),
				Size: human ? humanSize(row.size) : String(row.size),
				Comment: row.comment,
			}));
			if (flags.quiet) {
				process.stdout.write(rows.map(row => `${row.ID}\n`).join(''));
			} else if (flags.format) {
				process.stdout.write(formatAll(flags.format, rows, {ID: 'IMAGE', CreatedSince: 'CREATED', CreatedBy: 'CREATED BY'}));
			} else {
				process.stdout.write(table(['IMAGE', 'CREATED', 'CREATED BY', 'SIZE', 'COMMENT'],
					rows.map(row => [row.ID, row.CreatedSince, row.CreatedBy, row.Size, row.Comment])));
			}
		});
};
