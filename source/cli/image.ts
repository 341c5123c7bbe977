/** `berth image ...`: Docker's management-command spellings of the image commands. */
import type {Command} from 'commander';
import {getEngine} from './context.js';
import {formatAll} from './template.js';

export const defineImage = (program: Command): void => {
	const group = program.command('image').description('Manage images (inspect)');
	group.command('inspect')
		.description('Show low-level information on images as JSON')
		.argument('<image...>')
		.option('-f, --format <template>', 'format the output with a Go template')
		.action(async (references: string[], flags: {format?: string}) => {
			const images = [];
			for (const reference of references) {
				images.push(await getEngine().images.inspect(reference));
			}

			process.stdout.write(flags.format ? formatAll(flags.format, images) : `${JSON.stringify(images, null, 4)}\n`);
		});
};
