/**
 * The commands that act on each container named and print its name: stop, kill, restart,
 * rm, pause, unpause, wait. As in Docker, one that fails is reported and the rest go on;
 * the exit status is then 1.
 */
import type {Command} from 'commander';
import {BerthError} from '../engine/errors.js';
import type {Engine} from '../engine/engine.js';
import {parseInteger} from '../runtime/units.js';
import {getEngine, print} from './context.js';

type Flags = {time?: string; signal?: string; force?: boolean};

type Action = (engine: Engine, reference: string, flags: Flags) => Promise<string | void>;

const timeout = (flags: Flags) => flags.time === undefined ? undefined : parseInteger(flags.time, 'timeout');

const forEach = (action: Action) => async (references: string[], flags: Flags) => {
	const engine = getEngine();
	for (const reference of references) {
		try {
			print(await action(engine, reference, flags) ?? reference);
		} catch (error) {
			if (!(error instanceof BerthError) || references.length === 1) {
				throw error;
			}

			process.stderr.write(`berth: ${error.message}\n`);
			process.exitCode = 1;
		}
	}
};

export const defineLifecycle = (program: Command): void => {
	program.command('stop')
		.description('Stop running containers: the stop signal, then SIGKILL after a grace period')
		.argument('<container...>')
		.option('-t, --time <seconds>', 'seconds to wait before killing the container', '10')
		.action(forEach(async (engine, reference, flags) => {
			await engine.containers.stop(reference, timeout(flags));
		}));
	program.command('kill')
		.description('Send a signal to running containers')
		.argument('<container...>')
		.option('-s, --signal <signal>', 'signal to send', 'SIGKILL')
		.action(forEach(async (engine, reference, flags) => {
			await engine.containers.kill(reference, flags.signal);
		}));
	program.command('restart')
		.description('Stop and start containers again')
		.argument('<container...>')
		.option('-t, --time <seconds>', 'seconds to wait before killing the container', '10')
		.action(forEach(async (engine, reference, flags) => {
			await engine.containers.restart(reference, timeout(flags));
		}));
	program.command('rm')
		.description('Remove containers')
		.argument('<container...>')
		.option('-f, --force', 'kill and remove a running container')
		.option('-v, --volumes', 'remove anonymous volumes too (berth makes none)')
		.action(forEach(async (engine, reference, flags) => {
			await engine.containers.remove(reference, {force: flags.force});
		}));
	program.command('pause')
		.description('Freeze every process in containers')
		.argument('<container...>')
		.action(forEach(async (engine, reference) => {
			await engine.containers.pause(reference);
		}));
	program.command('unpause')
		.description('Thaw paused containers')
		.argument('<container...>')
		.action(forEach(async (engine, reference) => {
			await engine.containers.unpause(reference);
		}));
	program.command('wait')
		.description('Wait until containers stop, then print their exit codes')
		.argument('<container...>')
		.action(forEach(async (engine, reference) => String(await engine.containers.wait(reference))));
};
