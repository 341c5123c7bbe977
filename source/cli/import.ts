import fs from 'node:fs';
import type {Readable} from 'node:stream';
import type {Command} from 'commander';
import {BerthError} from '../engine/errors.js';
import {collect, getEngine, print} from './context.js';

/** A file, or - for standard input. */
const open = async (source: string): Promise<Readable> => {
	if (source === '-') {
		return process.stdin;
	}

	const stream = fs.createReadStream(source);
	await new Promise<void>((resolve, reject) => {
		stream.once('open', () => resolve());
		stream.once('error', error => reject(new BerthError('NO_SUCH_FILE', `cannot read \`${source}\`: ${error.message}`, {cause: error})));
	});
	return stream;
};

export const defineImport = (program: Command): void => {
	program.command('import')
		.description('Make an image from a root filesystem tarball (plain or gzip)')
		.argument('<file>', 'tarball, or - for standard input')
		.argument('[reference]', 'REPOSITORY[:TAG] to tag the image')
		.option('-c, --change <instruction>', 'apply a Dockerfile instruction to the config (CMD, ENV, ...)', collect)
		.option('-m, --message <text>', 'commit message for the history')
		.action(async (file: string, reference: string | undefined, flags: {change?: string[]; message?: string}) => {
			const id = await getEngine().images.import(await open(file), {reference, changes: flags.change, message: flags.message});
			print(id);
		});
};
