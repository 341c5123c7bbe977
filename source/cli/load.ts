import type {Command} from 'commander';
import {getEngine, print} from './context.js';
import {openInput} from './streams.js';

export const defineLoad = (program: Command, name = 'load'): void => {
	program.command(name)
		.description('Load images from a tar archive (docker save, podman save, OCI layout; gzip or not)')
		.option('-i, --input <file>', 'read from a file instead of standard input')
		.option('-q, --quiet', 'print nothing')
		.action(async (flags: {input?: string; quiet?: boolean}) => {
			const loaded = await getEngine().images.load(await openInput(flags.input));
			for (const {id, references} of flags.quiet ? [] : loaded) {
				for (const line of references.length > 0 ? references.map(reference => `Loaded image: ${reference}`) : [`Loaded image ID: ${id}`]) {
					print(line);
				}
			}
		});
};
