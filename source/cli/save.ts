import type {Command} from 'commander';
import {getEngine} from './context.js';
import {writeOutput} from './streams.js';

export const defineSave = (program: Command, name = 'save'): void => {
	program.command(name)
		.description('Write images to a tar archive (an OCI layout with Docker\'s manifest.json)')
		.argument('<image...>')
		.option('-o, --output <file>', 'write to a file instead of standard output')
		.action(async (images: string[], flags: {output?: string}) => {
			const archive = await getEngine().images.save(images);
			await writeOutput(archive.stream, flags.output);
		});
};
