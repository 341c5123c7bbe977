/**
 * `berth stats`: CPU % is the container's CPU time over wall time between two readings, as a
 * share of one CPU (so 200% is two CPUs busy), as `docker stats` shows it.
 */
import type {Command} from 'commander';
import {BerthError} from '../engine/errors.js';
import type {Stats} from '../runtime/cgroups/manager.js';
import {shortId} from '../runtime/names.js';
import {getEngine} from './context.js';
import {binarySize, table} from './format.js';

type Reading = {id: string; name: string; stats: Stats; at: bigint};

const read = async (references: string[]): Promise<Reading[]> => {
	const engine = getEngine();
	const ids = references.length > 0 ? references : (await engine.containers.list()).map(container => container.Id);
	const readings: Reading[] = [];
	for (const reference of ids) {
		try {
			const {container, stats} = await engine.containers.stats(reference);
			readings.push({id: container.Id, name: container.Name.slice(1), stats, at: process.hrtime.bigint()});
		} catch (error) {
			// A container that stopped between listing and reading just drops out.
			if (references.length > 0 || !(error instanceof BerthError)) {
				throw error;
			}
		}
	}

	return readings;
};

const render = (before: Reading[], after: Reading[]): string => table(
	['CONTAINER ID', 'NAME', 'CPU %', 'MEM USAGE / LIMIT', 'MEM %', 'PIDS'],
	after.map(reading => {
		const previous = before.find(item => item.id === reading.id);
		const cpu = previous
			? (reading.stats.cpuUsageNs - previous.stats.cpuUsageNs) / Number(reading.at - previous.at) * 100
			: 0;
		const {memoryUsage, memoryLimit, pids} = reading.stats;
		return [
			shortId(reading.id), reading.name, `${cpu.toFixed(2)}%`,
			`${binarySize(memoryUsage)} / ${binarySize(memoryLimit)}`,
			`${(memoryLimit > 0 ? memoryUsage / memoryLimit * 100 : 0).toFixed(2)}%`, String(pids),
		];
	}),
);

export const defineStats = (program: Command): void => {
	program.command('stats')
		.description('Show containers\' resource use: CPU, memory, processes')
		.argument('[container...]')
		.option('--no-stream', 'print one reading and exit')
		.action(async (references: string[], flags: {stream: boolean}) => {
			let before = await read(references);
			for (;;) {
				await new Promise(resolve => {
					setTimeout(resolve, flags.stream ? 1000 : 500);
				});
				const after = await read(references);
				const text = render(before, after);
				process.stdout.write(flags.stream && process.stdout.isTTY ? `\u001B[2J\u001B[H${text}` : text);
				if (!flags.stream) {
					return;
				}

				before = after;
			}
		});
};
