import type {Command} from 'commander';
import {readLog, showLogRecord} from '../runtime/logs.js';
import {parseInteger} from '../runtime/units.js';
import {getEngine} from './context.js';

type Flags = {follow?: boolean; tail?: string; since?: string; until?: string; timestamps?: boolean};

export const defineLogs = (program: Command): void => {
	program.command('logs')
		.description('Show a container\'s output')
		.argument('<container>')
		.option('-f, --follow', 'keep following the output until the container stops')
		.option('-n, --tail <lines>', 'number of lines to show from the end ("all" for every line)', 'all')
		.option('--since <time>', 'show logs since a time (RFC 3339, unix seconds) or a duration (10m)')
		.option('--until <time>', 'show logs before a time or duration')
		.option('-t, --timestamps', 'show timestamps')
		.action(async (reference: string, flags: Flags) => {
			const engine = getEngine();
			const container = await engine.containers.get(reference);
			const controller = new AbortController();
			process.once('SIGINT', () => controller.abort());
			const records = readLog(engine.containers.logFile(container), {
				tail: flags.tail === undefined || flags.tail === 'all' ? undefined : parseInteger(flags.tail, 'tail'),
				since: flags.since,
				until: flags.until,
				follow: flags.follow,
				stopped: async () => engine.containers.isStopped(container.Id),
				signal: controller.signal,
			});
			for await (const record of records) {
				(record.stream === 'stderr' ? process.stderr : process.stdout).write(showLogRecord(record, {timestamps: flags.timestamps}));
			}
		});
};
