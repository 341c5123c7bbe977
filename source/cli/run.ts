import type {Command} from 'commander';
import {addRunFlags, pullFirst, runOptions, type RunFlags} from './run-flags.js';
import {attachTerminal} from './attach-terminal.js';
import {getEngine, print} from './context.js';

export const defineRun = (program: Command): void => {
	addRunFlags(program.command('run')
		.description('Create and start a container from an image (or a directory with --rootfs)')
		.argument('<image>', 'image name or id (a directory with --rootfs)')
		.argument('[command...]', 'command and arguments, replacing the image\'s CMD')
		.option('-d, --detach', 'run in the background and print the container id'))
		.passThroughOptions()
		.action(async (image: string, command: string[], flags: RunFlags & {detach?: boolean}) => {
			const engine = getEngine();
			await pullFirst(image, flags);
			const container = await engine.containers.create(runOptions(image, command, flags));
			if (flags.detach) {
				await engine.containers.start(container.Id);
				print(container.Id);
				return;
			}

			const started = await engine.containers.start(container.Id, {waitAttach: true});
			const result = await attachTerminal(started, {stdin: Boolean(flags.interactive), detachKeys: flags.detachKeys, cleanup: true});
			if (result.kind === 'exited') {
				process.exitCode = result.code;
			}
		});
};
