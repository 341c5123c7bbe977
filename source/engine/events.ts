/**
 * Container and image events, shared by every berth process through an append-only file
 * (one JSON object a line, Docker's event shape), and emitted in-process for the TUI.
 * Appends of one short line with O_APPEND do not interleave between processes.
 */
import {EventEmitter} from 'node:events';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';

export type EventType = 'container' | 'image';

export type BerthEvent = {
	Type: EventType;
	Action: string;
	Actor: {ID: string; Attributes: Record<string, string>};
	time: number;
	timeNano: number;
};

export class EventLog extends EventEmitter<{event: [BerthEvent]}> {
	readonly file: string;

	constructor(root: string) {
		super();
		this.file = path.join(root, 'events.jsonl');
	}

	async record(type: EventType, action: string, id: string, attributes: Record<string, string> = {}): Promise<void> {
		const nano = BigInt(Date.now()) * 1_000_000n;
		const event: BerthEvent = {
			Type: type,
			Action: action,
			Actor: {ID: id, Attributes: attributes},
			time: Number(nano / 1_000_000_000n),
			timeNano: Number(nano),
		};
		// One small append: synchronous calls spare four round trips through the thread pool.
		fs.mkdirSync(path.dirname(this.file), {recursive: true});
		fs.appendFileSync(this.file, JSON.stringify(event) + '\n');
		this.emit('event', event);
	}

	/**
	 * Events from `since` (unix ns) on, then, with `follow`, each new one as other processes
	 * append it, until `signal` aborts.
	 */
	async * read(options: {since?: number; follow?: boolean; signal?: AbortSignal}): AsyncGenerator<BerthEvent> {
		let offset = 0;
		let rest = '';
		// A store nothing has happened in yet has no directory either.
		fs.mkdirSync(path.dirname(this.file), {recursive: true});
		for (;;) {
			const handle = await fsp.open(this.file, fs.constants.O_RDONLY | fs.constants.O_CREAT);
			try {
				const {size} = await handle.stat();
				if (size > offset) {
					const buffer = Buffer.alloc(size - offset);
					await handle.read(buffer, 0, buffer.length, offset);
					offset = size;
					const lines = (rest + buffer.toString('utf8')).split('\n');
					rest = lines.pop()!;
					for (const line of lines) {
						const event = JSON.parse(line) as BerthEvent;
						if (event.timeNano >= (options.since ?? 0)) {
							yield event;
						}
					}
				}
			} finally {
				await handle.close();
			}

			if (!options.follow || options.signal?.aborted) {
				return;
			}

			await new Promise(resolve => {
				setTimeout(resolve, 100);
			});
		}
	}
}
