import type {Command} from 'commander';
import {collect, getEngine, print} from './context.js';
import {openInput} from './streams.js';

export const defineImport = (program: Command, name = 'import'): void => {
	program.command(name)
		.description('Make an image from a root filesystem tarball (plain or gzip)')
		.argument('<file>', 'tarball, http(s) URL, or - for standard input')
		.argument('[reference]', 'REPOSITORY[:TAG] to tag the image')
		.option('-c, --change <instruction>', 'apply a Dockerfile instruction to the config (CMD, ENV, ...)', collect)
		.option('-m, --message <text>', 'commit message for the history')
		.action(async (file: string, reference: string | undefined, flags: {change?: string[]; message?: string}) => {
			const id = await getEngine().images.import(await openInput(file), {reference, changes: flags.change, message: flags.message});
			print(id);
		});
};
