import fs from 'node:fs';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {setTimeout as sleep} from 'node:timers/promises';
import test, {type ExecutionContext} from 'ava';
import {
	formatLogRecord, formatLogTime, parseLogTime, readLog, showLogRecord, type LogRecord, type ReadLogOptions,
} from '../../source/runtime/logs.js';

const tempLog = (t: ExecutionContext, content = ''): string => {
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-logs-'));
	t.teardown(() => {
		fs.rmSync(dir, {recursive: true, force: true});
	});
	const file = path.join(dir, 'container.log');
	if (content !== '') {
		fs.writeFileSync(file, content);
	}

	return file;
};

const collect = async (file: string, options?: ReadLogOptions): Promise<LogRecord[]> => {
	const records: LogRecord[] = [];
	for await (const record of readLog(file, options)) {
		records.push(record);
	}

	return records;
};

const texts = (records: LogRecord[]): string[] => records.map(record => record.text);

/** The second `n` of a fixed minute, as the shim writes times. */
const at = (n: number): string => `2026-11-27T19:38:${String(n).padStart(2, '0')}.123456789Z`;
const line = (n: number, text: string, stream: 'stdout' | 'stderr' = 'stdout', tag = 'F'): string => `${at(n)} ${stream} ${tag} ${text}\n`;

test('records carry time as written, stream and text; P parts are joined with their F', async t => {
	const file = tempLog(t, [
		line(1, 'hello world'),
		line(2, '', 'stdout'),
		line(3, 'a long ', 'stdout', 'P'),
		line(3, 'oops', 'stderr'),
		line(4, 'line', 'stdout'),
		'not a record\n',
		`${at(5)} stderr F\n`,
	].join(''));
	t.deepEqual(await collect(file), [
		{time: at(1), stream: 'stdout', text: 'hello world', partial: false},
		{time: at(2), stream: 'stdout', text: '', partial: false},
		{time: at(3), stream: 'stderr', text: 'oops', partial: false},
		{time: at(4), stream: 'stdout', text: 'a long line', partial: false},
		{time: at(5), stream: 'stderr', text: '', partial: false},
	]);
});

test('a line left unfinished at exit is partial; a line still being written is not read', async t => {
	const file = tempLog(t, line(1, 'done') + line(2, 'no newline', 'stdout', 'P') + `${at(3)} stdout F half-wri`);
	const records = await collect(file);
	t.deepEqual(records.map(record => [record.text, record.partial]), [['done', false], ['no newline', true]]);
	t.is(records.map(record => showLogRecord(record)).join(''), 'done\nno newline');
});

test('the writer formats records the reader reads back', async t => {
	const time = new Date('2026-11-27T19:38:16.123Z');
	t.is(formatLogTime(time), '2026-11-27T19:38:16.123000000Z');
	t.is(formatLogRecord({time, stream: 'stderr', text: 'hi there'}), '2026-11-27T19:38:16.123000000Z stderr F hi there\n');
	t.is(formatLogRecord({time: at(1), stream: 'stdout', text: 'one\ntwo\n'}), line(1, 'one') + line(1, 'two'));
	t.is(formatLogRecord({time: at(1), stream: 'stdout', text: 'piece', partial: true}), line(1, 'piece', 'stdout', 'P'));
	const file = tempLog(t, formatLogRecord({stream: 'stdout', text: 'a'}) + formatLogRecord({stream: 'stdout', text: 'b', partial: true}) + formatLogRecord({stream: 'stdout', text: 'c'}));
	t.deepEqual(texts(await collect(file)), ['a', 'bc']);
});

test('timestamps are shown with nine fraction digits, as Docker shows them', t => {
	const record: LogRecord = {time: '2026-11-27T19:38:16.1234Z', stream: 'stdout', text: 'x', partial: false};
	t.is(showLogRecord(record, {timestamps: true}), '2026-11-27T19:38:16.123400000Z x\n');
	t.is(showLogRecord({...record, time: '2026-11-27T19:38:16Z'}, {timestamps: true}), '2026-11-27T19:38:16.000000000Z x\n');
	t.is(showLogRecord(record), 'x\n');
});

test('a missing log has no records', async t => {
	t.deepEqual(await collect(path.join(tempLog(t), 'nothing')), []);
});

/** A log of `count` lines, written in big blocks. */
const bigLog = (t: ExecutionContext, count: number, end = ''): string => {
	const file = tempLog(t);
	const fd = fs.openSync(file, 'w');
	for (let block = 0; block < count; block += 10_000) {
		let text = '';
		for (let n = block; n < Math.min(count, block + 10_000); n++) {
			text += `2026-11-27T19:38:16.123456789Z stdout F line ${n} of a big log, padded to look like real output\n`;
		}

		fs.writeSync(fd, text);
	}

	fs.writeSync(fd, end);
	fs.closeSync(fd);
	return file;
};

/** Counts the bytes read through FileHandle.read while `run` runs: the cost of a read of the log. */
const bytesRead = async (file: string, run: () => Promise<void>): Promise<number> => {
	const probe = await fsp.open(file, 'r');
	const prototype = Object.getPrototypeOf(probe) as {read: (...args: unknown[]) => Promise<{bytesRead: number}>};
	await probe.close();
	const {read} = prototype;
	let total = 0;
	prototype.read = async function (this: unknown, ...args: unknown[]) {
		const result = await read.apply(this, args);
		total += result.bytesRead;
		return result;
	};

	try {
		await run();
	} finally {
		prototype.read = read;
	}

	return total;
};

test.serial('tail of a large log is right and reads only the end', async t => {
	const file = bigLog(t, 400_000);
	t.true(fs.statSync(file).size > 30_000_000);
	let records: LogRecord[] = [];
	const cost = await bytesRead(file, async () => {
		records = await collect(file, {tail: 3});
	});
	t.deepEqual(texts(records).map(text => text.split(' of ')[0]), ['line 399997', 'line 399998', 'line 399999']);
	t.true(cost < 256 * 1024, `read ${cost} bytes`);
	t.deepEqual(await collect(file, {tail: 0}), []);
});

test.serial('tail finds the parts of a cut line, and does not search a huge log for a quiet stream', async t => {
	const file = bigLog(t, 400_000, line(1, 'a long ', 'stdout', 'P') + line(2, 'error', 'stderr') + line(3, 'line', 'stdout'));
	t.deepEqual(texts(await collect(file, {tail: 1})), ['a long line']);
	t.deepEqual(texts(await collect(file, {tail: 2})), ['error', 'a long line']);
	// The stderr line could in theory have parts anywhere before it; the search for them is bounded.
	const cost = await bytesRead(file, async () => {
		await collect(file, {tail: 2});
	});
	t.true(cost < 2 * 1024 * 1024, `read ${cost} bytes`);
});

test('tail counts whole lines across streams, and more than there are is all', async t => {
	const file = tempLog(t, line(1, 'one') + line(2, 'two', 'stderr') + line(3, 'thr', 'stdout', 'P') + line(3, 'ee'));
	t.deepEqual(texts(await collect(file, {tail: 1})), ['three']);
	t.deepEqual(texts(await collect(file, {tail: 2})), ['two', 'three']);
	t.deepEqual(texts(await collect(file, {tail: 10})), ['one', 'two', 'three']);
	t.deepEqual(texts(await collect(file, {tail: -1})), ['one', 'two', 'three']);
});

test('since and until filter by time, in every form Docker takes', async t => {
	const file = tempLog(t, [1, 2, 3, 4, 5].map(n => line(n, `at ${n}`)).join(''));
	t.deepEqual(texts(await collect(file, {since: at(3)})), ['at 3', 'at 4', 'at 5']);
	t.deepEqual(texts(await collect(file, {since: '2026-11-27T19:38:03.5Z'})), ['at 4', 'at 5']);
	t.deepEqual(texts(await collect(file, {until: '2026-11-27T20:38:02.5+01:00'})), ['at 1', 'at 2']);
	const unix = Number(parseLogTime(at(4)) / 1_000_000_000n);
	t.deepEqual(texts(await collect(file, {since: String(unix)})), ['at 4', 'at 5']);
	const now = Date.parse('2026-11-27T19:38:05Z');
	t.deepEqual(texts(await collect(file, {since: '2s', now})), ['at 3', 'at 4', 'at 5']);
	t.deepEqual(texts(await collect(file, {since: '1m', until: '3s', now})), ['at 1']);
	t.deepEqual(texts(await collect(file, {tail: 2, since: at(5)})), ['at 5'], 'tail first, then since, as Docker');
});

test('times as Docker reads them', t => {
	t.is(parseLogTime('1795808266'), 1_795_808_266_000_000_000n);
	t.is(parseLogTime('1795808266.5'), 1_795_808_266_500_000_000n);
	t.is(parseLogTime('2026-11-27T19:38:16.123456789Z'), 1_795_808_296_123_456_789n);
	t.is(parseLogTime('2026-11-27T21:38:16+02:00'), 1_795_808_296_000_000_000n);
	t.is(parseLogTime('10m', 1_000_000), 400_000n * 1_000_000n);
	t.is(parseLogTime('2026-11-27'), BigInt(new Date(2026, 10, 27).getTime()) * 1_000_000n, 'a date without a zone is local');
	t.throws(() => parseLogTime('yesterday'), {message: 'invalid time `yesterday`: expected an RFC 3339 time, unix seconds or a duration such as 10m'});
});

/** Polls `condition` until it holds or `ms` pass; whether it held. */
const eventually = async (condition: () => boolean, ms = 10_000): Promise<boolean> => {
	const deadline = Date.now() + ms;
	while (!condition() && Date.now() < deadline) {
		await sleep(10);
	}

	return condition();
};

test('follow sees appended lines and stops once the container has exited and the log is drained', async t => {
	const file = tempLog(t, line(1, 'first'));
	let exited = false;
	const seen: string[] = [];
	// A poll interval longer than the test may take: appended lines must come from the change events.
	const reading = (async () => {
		for await (const record of readLog(file, {follow: true, stopped: () => exited, pollMs: 60_000})) {
			seen.push(record.text);
		}
	})();
	t.true(await eventually(() => seen.length === 1));
	fs.appendFileSync(file, line(2, 'second'));
	// Half a line now, the rest later: only whole lines are read.
	fs.appendFileSync(file, `${at(3)} stdout F thi`);
	t.true(await eventually(() => seen.length === 2));
	await sleep(50);
	t.deepEqual(seen, ['first', 'second']);
	fs.appendFileSync(file, 'rd\n' + line(4, 'unfinished', 'stdout', 'P'));
	// The exit comes with output still unread: it must all be read before the end.
	exited = true;
	await reading;
	t.deepEqual(seen, ['first', 'second', 'third', 'unfinished']);
});

test('follow waits for a log that does not exist yet, and stops when aborted', async t => {
	const file = tempLog(t);
	const controller = new AbortController();
	const seen: string[] = [];
	const reading = (async () => {
		for await (const record of readLog(file, {follow: true, signal: controller.signal, pollMs: 20})) {
			seen.push(record.text);
		}
	})();
	await sleep(50);
	fs.writeFileSync(file, line(1, 'hello'));
	t.true(await eventually(() => seen.length === 1));
	controller.abort();
	await reading;
	t.deepEqual(seen, ['hello']);
});

test('follow with tail shows the last lines, then everything new', async t => {
	const file = tempLog(t, [1, 2, 3].map(n => line(n, `old ${n}`)).join(''));
	let exited = false;
	const seen: string[] = [];
	const reading = (async () => {
		for await (const record of readLog(file, {follow: true, tail: 1, stopped: () => exited, pollMs: 20})) {
			seen.push(record.text);
		}
	})();
	t.true(await eventually(() => seen.length === 1));
	fs.appendFileSync(file, line(4, 'new 4') + line(5, 'new 5'));
	exited = true;
	await reading;
	t.deepEqual(seen, ['old 3', 'new 4', 'new 5']);
});
