/**
 * Layer tar speed: packing a 100 MB / 1000-file upper dir (what `commit` does before
 * compression), the same with gzip, and extracting it. Medians of a few runs, in ms, next
 * to GNU tar doing the same where it can.
 *
 *   node --import=tsx bench/layers.ts [files] [bytes-per-file]
 */
import {execFileSync} from 'node:child_process';
import {randomBytes} from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {Writable} from 'node:stream';
import {pipeline} from 'node:stream/promises';
import zlib from 'node:zlib';
import {extractLayer} from '../source/storage/extract.js';
import {packLayer} from '../source/storage/pack.js';

const files = Number(process.argv[2] ?? 1000);
const size = Number(process.argv[3] ?? 100_000);
const runs = 5;

const median = (values: number[]) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)];

/** Runs `fn` a few times; `after` (not timed) cleans up after each run. */
const time = async (name: string, fn: (run: number) => Promise<void> | void, after?: (run: number) => void) => {
	const times = [];
	for (let run = 0; run < runs; run++) {
		const start = performance.now();
		await fn(run);
		times.push(performance.now() - start);
		after?.(run);
	}

	console.log(`${name.padEnd(40)} ${median(times).toFixed(0).padStart(6)} ms`);
};

const sink = () => new Writable({
	write(_chunk, _encoding, callback) {
		callback();
	},
});

const base = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-bench-'));
try {
	const upper = path.join(base, 'upper');
	fs.mkdirSync(path.join(upper, 'data'), {recursive: true});
	for (let i = 0; i < files; i++) {
		// Half random, half repeated: compressible like real files, not trivially.
		const random = randomBytes(Math.floor(size / 2));
		fs.writeFileSync(path.join(upper, 'data', `file-${i}`), Buffer.concat([random, Buffer.alloc(size - random.length, i)]));
	}

	console.log(`${files} files of ${size} bytes`);
	await time('pack (commit diff, uncompressed)', async () => {
		await pipeline(packLayer(upper).stream, sink());
	});
	// Through a pipe: GNU tar skips reading the files when its output is /dev/null.
	await time('GNU tar c | sha256sum', () => {
		execFileSync('sh', ['-c', `tar cf - -C '${upper}' . | sha256sum > /dev/null`]);
	});
	await time('pack + gzip -1', async () => {
		await pipeline(packLayer(upper).stream, zlib.createGzip({level: 1}), sink());
	});
	const tar = path.join(base, 'layer.tar');
	await pipeline(packLayer(upper).stream, fs.createWriteStream(tar));
	await time('extract (diff id included)', async run => {
		const target = path.join(base, `extract-${run}`);
		fs.mkdirSync(target);
		await extractLayer(fs.createReadStream(tar), target);
	}, run => {
		fs.rmSync(path.join(base, `extract-${run}`), {recursive: true});
	});
	await time('GNU tar x', run => {
		const target = path.join(base, `tar-${run}`);
		fs.mkdirSync(target);
		execFileSync('tar', ['xf', tar, '-C', target]);
	}, run => {
		fs.rmSync(path.join(base, `tar-${run}`), {recursive: true});
	});
} finally {
	fs.rmSync(base, {recursive: true, force: true});
}
