/** `rmi`: like the other commands on several names, one that fails is reported and the rest go on. */
import type {Command} from 'commander';
import {BerthError} from '../engine/errors.js';
import type {Removed} from '../engine/images.js';
import {getEngine, print} from './context.js';

/** Docker's lines: `Untagged: NAME` for each name gone, `Deleted: ID` for the image and each layer. */
export const removedLines = (removed: Removed): string[] => [
	...removed.untagged.map(name => `Untagged: ${name}`),
	...removed.deleted.map(id => `Deleted: ${id}`),
];

export const defineRmi = (program: Command, name = 'rmi'): void => {
	program.command(name)
		.description('Remove images: a name of an image that has several is only untagged')
		.argument('<image...>')
		.option('-f, --force', 'remove an image with several names, or one a stopped container uses')
		.option('--no-prune', 'accepted for Docker\'s sake: berth keeps no parent images')
		.action(async (images: string[], flags: {force?: boolean}) => {
			for (const image of images) {
				try {
					for (const line of removedLines(await getEngine().images.remove(image, {force: flags.force}))) {
						print(line);
					}
				} catch (error) {
					if (!(error instanceof BerthError) || images.length === 1) {
						throw error;
					}

					process.stderr.write(`berth: ${error.message}\n`);
					process.exitCode = 1;
				}
			}
		});
};
