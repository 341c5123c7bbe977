/** `berth port CONTAINER [PORT[/PROTO]]`: the host side of a container's published ports, as Docker prints it. */
import type {Command} from 'commander';
import {BerthError} from '../engine/errors.js';
import {portLines} from '../network/ports.js';
import {getEngine, print} from './context.js';

export const definePort = (program: Command): void => {
	program.command('port')
		.description('List the port mappings of a container, or the host side of one of its ports')
		.argument('<container>')
		.argument('[port]', 'a container port, as 80 or 80/tcp')
		.action(async (reference: string, port: string | undefined) => {
			const engine = getEngine();
			const container = await engine.containers.get(reference);
			const published = container.State.Running ? (await engine.networks.published()).get(container.Id) : undefined;
			const lines = portLines(published ?? [], port);
			if (port !== undefined && lines.length === 0) {
				throw new BerthError('INVALID_ARGUMENT', `no public port \`${port}\` published for \`${reference}\``);
			}

			if (lines.length > 0) {
				print(lines.join('\n'));
			}
		});
};
