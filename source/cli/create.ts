import type {Command} from 'commander';
import {addRunFlags, pullFirst, runOptions, type RunFlags} from './run-flags.js';
import {getEngine, print} from './context.js';

export const defineCreate = (program: Command): void => {
	addRunFlags(program.command('create')
		.description('Create a container without starting it')
		.argument('<image>', 'image name or id (a directory with --rootfs)')
		.argument('[command...]', 'command and arguments, replacing the image\'s CMD'))
		.passThroughOptions()
		.action(async (image: string, command: string[], flags: RunFlags) => {
			await pullFirst(image, flags);
			const container = await getEngine().containers.create(runOptions(image, command, flags));
			print(container.Id);
		});
};
