/** `berth image ...`: Docker's management-command spellings of the image commands, and `image prune`. */
import type {Command} from 'commander';
import {getEngine, print} from './context.js';
import {humanSize} from './format.js';
import {defineHistory} from './history.js';
import {defineImages} from './images.js';
import {defineImport} from './import.js';
import {defineLoad} from './load.js';
import {defineRmi, removedLines} from './rmi.js';
import {defineSave} from './save.js';
import {defineTag} from './tag.js';
import {formatAll} from './template.js';

export const defineImage = (program: Command): void => {
	const group = program.command('image').description('Manage images (ls, inspect, history, tag, rm, prune, save, load, import)');
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
	group.command('prune')
		.description('Remove dangling images (all unused ones with -a) and layers no image uses')
		.option('-a, --all', 'remove every image no container uses, not only dangling ones')
		.option('-f, --force', 'do not prompt for confirmation')
		.action(async (flags: {all?: boolean}) => {
			const removed = await getEngine().images.prune({all: flags.all});
			const lines = removed.flatMap(each => removedLines(each)).map(line => line.replace(/^\w+/, word => word.toLowerCase()));
			if (lines.length > 0) {
				print(['Deleted Images:', ...lines, '', ''].join('\n'));
			}

			print(`Total reclaimed space: ${humanSize(removed.reduce((sum, each) => sum + each.reclaimed, 0))}`);
		});
	defineImages(group, 'ls');
	defineHistory(group);
	defineTag(group);
	defineRmi(group, 'rm');
	defineSave(group);
	defineLoad(group);
	defineImport(group);
};
