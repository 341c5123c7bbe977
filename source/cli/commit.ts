import type {Command} from 'commander';
import {BerthError} from '../engine/errors.js';
import {collect, getEngine, print} from './context.js';

type Flags = {message?: string; author?: string; change?: string[]; pause?: boolean | string};

/** Docker's `-p=false` and `--pause=false`: a boolean that takes its value after `=`. */
export const parseBoolean = (value: string): boolean => {
	const text = value.replace(/^=/, '');
	if (!['true', 'false', '1', '0'].includes(text)) {
		throw new BerthError('INVALID_ARGUMENT', `invalid boolean \`${value}\`: true or false`);
	}

	return text === 'true' || text === '1';
};

export const defineCommit = (program: Command, name = 'commit'): void => {
	program.command(name)
		.description('Make a new image from a container\'s changes')
		.argument('<container>')
		.argument('[reference]', 'REPOSITORY[:TAG] to tag the image')
		.option('-m, --message <text>', 'commit message')
		.option('-a, --author <text>', 'author (e.g. "Jane Doe <jane@example.com>")')
		.option('-c, --change <instruction>', 'apply a Dockerfile instruction to the config (CMD, ENV, ...)', collect)
		.option('-p, --pause [bool]', 'pause the container while committing (default true)', parseBoolean)
		.action(async (container: string, reference: string | undefined, flags: Flags) => {
			const id = await getEngine().images.commit(container, {
				reference, message: flags.message, author: flags.author, changes: flags.change, pause: flags.pause !== false,
			});
			print(id);
		});
};
