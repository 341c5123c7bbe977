import type {Command} from 'commander';
import {getEngine} from './context.js';
import {writeOutput} from './streams.js';

export const defineExport = (program: Command, name = 'export'): void => {
	program.command(name)
		.description('Write a container\'s filesystem as a tar archive')
		.argument('<container>')
		.option('-o, --output <file>', 'write to a file instead of standard output')
		.action(async (container: string, flags: {output?: string}) => {
			await getEngine().files.export(container, async tar => writeOutput(tar.stream, flags.output));
		});
};
