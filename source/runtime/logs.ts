/**
 * The container log, as the shim writes it: CRI format, one record a line,
 * `2026-11-27T19:38:16.123456789Z stdout F text`. F ends a line of output; P is a piece of a
 * longer line (cut at 16 KiB) or of a line left unfinished at exit. Readers see whole lines:
 * P records are joined with the F that follows them on the same stream.
 *
 * `readLog` reads it as `berth logs` needs: the last N lines without reading the whole file, a
 * time window, and follow mode until the container has exited and its output is all read.
 */
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import {setTimeout as sleep} from 'node:timers/promises';
import {BerthError, isErrno} from '../engine/errors.js';
import {parseDuration} from './units.js';

export type LogStream = 'stdout' | 'stderr';

export type LogRecord = {
	/** RFC 3339 with nanoseconds, as written. */
	time: string;
	stream: LogStream;
	text: string;
	/** True only for a line that was never finished: the container exited mid-line. */
	partial: boolean;
};

export type ReadLogOptions = {
	/** Only the last `tail` lines (before `since` applies, as Docker does). */
	tail?: number;
	/** Docker's `--since` and `--until`: RFC 3339, unix seconds, or a Go duration before now (`10m`). */
	since?: string;
	until?: string;
	/** Keep reading what is appended until `stopped` says the container has exited. */
	follow?: boolean;
	stopped?: () => boolean | Promise<boolean>;
	/** Stops following at once (Ctrl-C). */
	signal?: AbortSignal;
	/** How often follow mode looks at the file when no change event comes. */
	pollMs?: number;
	/** The time durations in `since` and `until` count back from, in ms. */
	now?: number;
};

const chunkSize = 64 * 1024;

/**
 * How far back to look for the earlier parts of a line cut into P records. The shim writes a
 * line's parts as it reads them, so they lie close together; a line whose stream went quiet
 * must not send `--tail 1` through a huge log in search of parts it never had.
 */
const partSearchBytes = 1024 * 1024;

/** Formats a time as the log holds it: UTC with nine fraction digits. */
export const formatLogTime = (date: Date): string => date.toISOString().replace(/Z$/, '000000Z');

/**
 * One record as a log line, for tests and for lines the engine writes itself. A text of several
 * lines becomes a record per line; `partial` marks the last one P.
 */
export const formatLogRecord = (record: {time?: Date | string; stream: LogStream; text: string; partial?: boolean}): string => {
	const time = typeof record.time === 'string' ? record.time : formatLogTime(record.time ?? new Date());
	const lines = record.text.replace(/\n$/, '').split('\n');
	return lines.map((line, index) => {
		const tag = record.partial && index === lines.length - 1 ? 'P' : 'F';
		return `${time} ${record.stream} ${tag} ${line}\n`;
	}).join('');
};

/** A record as `berth logs` prints it; Docker pads the fraction of `-t` times to nine digits. */
export const showLogRecord = (record: LogRecord, options: {timestamps?: boolean} = {}): string => {
	const time = record.time.replace(/(?:\.(\d+))?Z$/, (_match, fraction: string | undefined) => `.${(fraction ?? '').padEnd(9, '0')}Z`);
	return `${options.timestamps ? `${time} ` : ''}${record.text}${record.partial ? '' : '\n'}`;
};

const rfc3339 = /^(\d{4})-(\d\d)-(\d\d)(?:T(\d\d):(\d\d)(?::(\d\d)(?:\.(\d{1,9}))?)?)?(Z|[+-]\d\d:\d\d)?$/i;

/** Nanoseconds since the epoch of an RFC 3339 time; without a zone it is local time, as Docker reads it. */
const rfc3339ToNs = (text: string): bigint | undefined => {
	const match = rfc3339.exec(text);
	if (!match) {
		return undefined;
	}

	const [, year, month, day, hour = '0', minute = '0', second = '0', fraction = '', zone] = match;
	const fields = [Number(year), Number(month) - 1, Number(day), Number(hour), Number(minute), Number(second)] as const;
	let ms: number;
	if (zone === undefined) {
		ms = new Date(...fields).getTime();
	} else {
		const offset = /^z$/i.test(zone) ? 0 : (zone.startsWith('-') ? -1 : 1) * ((Number(zone.slice(1, 3)) * 60) + Number(zone.slice(4, 6)));
		ms = Date.UTC(...fields) - (offset * 60_000);
	}

	return (BigInt(ms) * 1_000_000n) + BigInt(fraction.padEnd(9, '0'));
};

/**
 * A `--since` or `--until` value in nanoseconds since the epoch, read as Docker's
 * GetTimestamp reads it: a Go duration counts back from `now`, a plain number is unix seconds
 * (with up to nine fraction digits), anything else must be an RFC 3339 time or date.
 */
export const parseLogTime = (value: string, now = Date.now()): bigint => {
	if (/^\d+(?:\.\d{1,9})?$/.test(value)) {
		const [seconds, fraction = ''] = value.split('.');
		return (BigInt(seconds!) * 1_000_000_000n) + BigInt(fraction.padEnd(9, '0'));
	}

	const time = rfc3339ToNs(value);
	if (time !== undefined) {
		return time;
	}

	try {
		return BigInt(Math.round((now - parseDuration(value)) * 1e6));
	} catch {
		throw new BerthError('INVALID_ARGUMENT', `invalid time \`${value}\`: expected an RFC 3339 time, unix seconds or a duration such as 10m`);
	}
};

type Line = {time: string; stream: LogStream; partial: boolean; text: string};

/** One CRI line, or undefined for a line that is not one (it is skipped, not fatal). */
const parseLine = (line: string): Line | undefined => {
	const match = /^(\S+) (stdout|stderr) (\S+)(?: (.*))?$/s.exec(line);
	if (!match) {
		return undefined;
	}

	// Tags are a `:`-separated list in the CRI format; P is the only one defined besides F.
	return {time: match[1]!, stream: match[2] as LogStream, partial: match[3]!.split(':').includes('P'), text: match[4] ?? ''};
};

/** Joins P records with the F that ends their line, per stream. */
class Joiner {
	private readonly pending = new Map<LogStream, Line[]>();

	add(line: Line): LogRecord | undefined {
		const parts = this.pending.get(line.stream) ?? [];
		if (line.partial) {
			parts.push(line);
			this.pending.set(line.stream, parts);
			return undefined;
		}

		this.pending.delete(line.stream);
		return {time: line.time, stream: line.stream, text: parts.map(part => part.text).join('') + line.text, partial: false};
	}

	/** Lines never finished, once no more will come. */
	flush(): LogRecord[] {
		const records = [...this.pending.values()].map(parts => ({
			time: parts.at(-1)!.time,
			stream: parts[0]!.stream,
			text: parts.map(part => part.text).join(''),
			partial: true,
		}));
		this.pending.clear();
		return records;
	}
}

const readAt = async (handle: fsp.FileHandle, length: number, position: number): Promise<Buffer> => {
	const buffer = Buffer.alloc(length);
	let filled = 0;
	while (filled < length) {
		const {bytesRead} = await handle.read(buffer, filled, length - filled, position + filled);
		if (bytesRead === 0) {
			break;
		}

		filled += bytesRead;
	}

	return buffer.subarray(0, filled);
};

/**
 * The complete lines of the first `size` bytes, last first, with the offset each starts at.
 * An unterminated end (a line being written) is not a line yet.
 */
async function * linesBackward(handle: fsp.FileHandle, size: number): AsyncGenerator<{offset: number; text: string}> {
	let buffer = Buffer.alloc(0);
	let bufferStart = size;
	// Just past the newline that ends the line being looked for; undefined until one is found.
	let end: number | undefined;
	for (;;) {
		const searchFrom = end === undefined ? buffer.length - 1 : end - bufferStart - 2;
		const newline = searchFrom >= 0 ? buffer.lastIndexOf(10, searchFrom) : -1;
		if (newline >= 0) {
			if (end !== undefined) {
				yield {offset: bufferStart + newline + 1, text: buffer.toString('utf8', newline + 1, end - bufferStart - 1)};
			}

			end = bufferStart + newline + 1;
			buffer = buffer.subarray(0, newline + 1);
			continue;
		}

		if (bufferStart === 0) {
			if (end !== undefined && end > 0) {
				yield {offset: 0, text: buffer.toString('utf8', 0, end - 1)};
			}

			return;
		}

		const length = Math.min(chunkSize, bufferStart);
		bufferStart -= length;
		buffer = Buffer.concat([await readAt(handle, length, bufferStart), buffer]);
	}
}

/**
 * Where to start reading so that the last `count` lines, their P parts included, are read:
 * found by reading backwards from the end, so the cost is what is shown, not the log's size.
 * Lines are numbered newest first by their last record; a line on a stream is known to be
 * whole once an earlier F on that stream is met.
 */
const tailOffset = async (handle: fsp.FileHandle, size: number, count: number): Promise<number> => {
	let offset = size;
	let lines = 0;
	let countedAt: number | undefined;
	const open = new Map<LogStream, number>();
	for await (const {offset: lineOffset, text} of linesBackward(handle, size)) {
		const line = parseLine(text);
		if (line === undefined) {
			continue;
		}

		const current = open.get(line.stream);
		if (line.partial && current !== undefined) {
			if (current <= count) {
				offset = lineOffset;
			}
		} else {
			lines += 1;
			open.set(line.stream, lines);
			if (lines <= count) {
				offset = lineOffset;
			}
		}

		countedAt ??= lines >= count ? lineOffset : undefined;
		const whole = [...open.values()].every(number => number > count);
		if (countedAt !== undefined && (whole || countedAt - lineOffset > partSearchBytes)) {
			break;
		}
	}

	return offset;
};

/** Reads complete lines forward from an offset, keeping an unfinished end for the next call. */
class ForwardReader {
	private carry = Buffer.alloc(0);

	constructor(private readonly handle: fsp.FileHandle, private position: number) {}

	async * lines(): AsyncGenerator<Line> {
		for (;;) {
			const chunk = await readAt(this.handle, chunkSize, this.position);
			if (chunk.length === 0) {
				return;
			}

			this.position += chunk.length;
			const data = this.carry.length > 0 ? Buffer.concat([this.carry, chunk]) : chunk;
			let start = 0;
			for (let newline = data.indexOf(10); newline >= 0; newline = data.indexOf(10, start)) {
				const line = parseLine(data.toString('utf8', start, newline));
				start = newline + 1;
				if (line) {
					yield line;
				}
			}

			this.carry = Buffer.from(data.subarray(start));
		}
	}
}

/** Wakes follow mode when the file changes, or after `pollMs` in case no event comes (some filesystems send none). */
class ChangeWaiter {
	private changed = false;
	private wake?: () => void;
	private watcher?: fs.FSWatcher;

	constructor(file: string, private readonly pollMs: number, private readonly signal?: AbortSignal) {
		try {
			this.watcher = fs.watch(file, {persistent: false}, () => {
				this.changed = true;
				this.wake?.();
			});
			this.watcher.on('error', () => {
				this.close();
			});
		} catch {
			// No watch (out of inotify watches, a filesystem without them): polling alone will do.
		}
	}

	async wait(): Promise<void> {
		if (this.changed || this.signal?.aborted) {
			this.changed = false;
			return;
		}

		await new Promise<void>(resolve => {
			const done = (): void => {
				clearTimeout(timer);
				this.signal?.removeEventListener('abort', done);
				this.wake = undefined;
				resolve();
			};

			const timer = setTimeout(done, this.pollMs);
			this.wake = done;
			this.signal?.addEventListener('abort', done);
		});
		this.changed = false;
	}

	close(): void {
		this.watcher?.close();
		this.watcher = undefined;
	}
}

const openLog = async (file: string): Promise<fsp.FileHandle | undefined> => {
	try {
		return await fsp.open(file, 'r');
	} catch (error) {
		if (isErrno(error, 'ENOENT')) {
			return undefined;
		}

		throw error;
	}
};

/** The records of the lines `reader` has now, and with `end` the lines never finished too. */
async function * records(reader: ForwardReader | undefined, joiner: Joiner, end: boolean): AsyncGenerator<LogRecord> {
	if (reader) {
		for await (const line of reader.lines()) {
			const record = joiner.add(line);
			if (record) {
				yield record;
			}
		}
	}

	if (end) {
		yield * joiner.flush();
	}
}

/**
 * The log's lines, oldest first. A missing file has none (the container never started); in
 * follow mode it is waited for.
 */
export async function * readLog(file: string, options: ReadLogOptions = {}): AsyncGenerator<LogRecord> {
	const now = options.now ?? Date.now();
	const since = options.since === undefined ? undefined : parseLogTime(options.since, now);
	const until = options.until === undefined ? undefined : parseLogTime(options.until, now);
	const pollMs = options.pollMs ?? 250;
	const joiner = new Joiner();
	// Only what is in the file at the start is cut to the last `tail` lines; what follows is all shown.
	let tail = options.tail !== undefined && options.tail >= 0 ? options.tail : undefined;
	let handle: fsp.FileHandle | undefined;
	let reader: ForwardReader | undefined;
	let waiter: ChangeWaiter | undefined;
	try {
		for (;;) {
			// Asked before reading, so that all the output written before the exit is read after it.
			const stopped = !options.follow || options.signal?.aborted || await options.stopped?.();
			handle ??= await openLog(file);
			if (handle && !reader) {
				// Watching starts before the first read, so no append after it goes unnoticed.
				waiter = options.follow ? new ChangeWaiter(file, pollMs, options.signal) : undefined;
				const start = tail === undefined ? 0 : await tailOffset(handle, (await handle.stat()).size, tail);
				reader = new ForwardReader(handle, start);
			}

			let batch: AsyncIterable<LogRecord> | LogRecord[] = records(reader, joiner, Boolean(stopped));
			if (tail !== undefined) {
				const all: LogRecord[] = [];
				for await (const record of batch) {
					all.push(record);
				}

				batch = all.slice(Math.max(0, all.length - tail));
				tail = undefined;
			}

			for await (const record of batch) {
				const time = rfc3339ToNs(record.time);
				if (until !== undefined && time !== undefined && time > until) {
					return;
				}

				if (since === undefined || time === undefined || time >= since) {
					yield record;
				}
			}

			if (stopped) {
				return;
			}

			await (waiter?.wait() ?? sleep(pollMs));
		}
	} finally {
		waiter?.close();
		await handle?.close();
	}
}
