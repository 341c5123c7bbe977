import type {Command} from 'commander';
import {BerthError} from '../engine/errors.js';
import {getEngine} from './context.js';
import {openInput, writeOutput} from './streams.js';

/** CONTAINER:PATH, or undefined for a host path (which may itself hold a `:` after a `/`). */
const containerPath = (argument: string): {container: string; path: string} | undefined => {
	const match = /^([^/:][^:]*):(.*)$/.exec(argument);
	return match && !match[1]!.includes('/') ? {container: match[1]!, path: match[2]! || '/'} : undefined;
};

export const defineCp = (program: Command, name = 'cp'): void => {
	program.command(name)
		.description('Copy files between a container and the host: CONTAINER:PATH HOSTPATH|- or HOSTPATH|- CONTAINER:PATH')
		.argument('<source>')
		.argument('<destination>')
		.action(async (source: string, destination: string) => {
			const files = getEngine().files;
			const from = containerPath(source);
			const to = containerPath(destination);
			if (from && !to) {
				const toStdout = destination === '-';
				await files.copyOut(from.container, from.path, toStdout ? undefined : destination, async tar => writeOutput(tar.stream, undefined));
			} else if (to && !from) {
				await files.copyIn(to.container, source === '-' ? undefined : source, to.path, source === '-' ? await openInput('-') : undefined);
			} else {
				throw new BerthError('INVALID_ARGUMENT', 'copying needs one CONTAINER:PATH and one host path');
			}
		});
};
