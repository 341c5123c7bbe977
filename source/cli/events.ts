import type {Command} from 'commander';
import {parseDuration} from '../runtime/units.js';
import {getEngine, print} from './context.js';
import {formatAll} from './template.js';

/** --since and --until as Docker takes them: a duration back from now, unix seconds, or a date. */
const timeNs = (since?: string): number | undefined => {
	if (since === undefined) {
		return undefined;
	}

	if (/^\d+(\.\d+)?$/.test(since)) {
		return Number(since) * 1e9;
	}

	const date = Date.parse(since);
	return (Number.isNaN(date) ? Date.now() - parseDuration(since) : date) * 1e6;
};

export const defineEvents = (program: Command): void => {
	program.command('events')
		.description('Stream container and image events as they happen')
		.option('--since <time>', 'show events since a time or duration (e.g. 10m)')
		.option('--until <time>', 'stop at a time or duration ago (e.g. 1m); in the past, show what happened and exit')
		.option('--format <template>', 'format each event with a Go template')
		.action(async (flags: {since?: string; until?: string; format?: string}) => {
			const controller = new AbortController();
			process.once('SIGINT', () => controller.abort());
			const since = timeNs(flags.since) ?? Date.now() * 1e6;
			const until = timeNs(flags.until);
			const waitMs = until === undefined ? Number.POSITIVE_INFINITY : (until / 1e6) - Date.now();
			if (Number.isFinite(waitMs)) {
				setTimeout(() => controller.abort(), Math.max(waitMs, 0)).unref();
			}

			for await (const event of getEngine().events.read({since, follow: waitMs > 0, signal: controller.signal})) {
				if (until !== undefined && event.timeNano > until) {
					break;
				}

				if (flags.format) {
					process.stdout.write(formatAll(flags.format, [event]));
				} else {
					const attributes = Object.entries(event.Actor.Attributes).map(([key, value]) => `${key}=${value}`).join(', ');
					print(`${new Date(event.timeNano / 1e6).toISOString()} ${event.Type} ${event.Action} ${event.Actor.ID} (${attributes})`);
				}
			}
		});
};
