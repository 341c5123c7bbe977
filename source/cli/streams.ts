/** Archives in and out of the commands that move them: files, standard input and output, URLs. */
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import {Readable} from 'node:stream';
import {pipeline} from 'node:stream/promises';
import {BerthError} from '../engine/errors.js';
import {tempName} from '../storage/atomic.js';

/** A file, an http(s) URL, or standard input for `-` (or nothing). */
export const openInput = async (source: string | undefined): Promise<Readable> => {
	if (source === undefined || source === '-') {
		if (process.stdin.isTTY) {
			throw new BerthError('INVALID_ARGUMENT', 'requested to read an archive from standard input, but it is a terminal');
		}

		return process.stdin;
	}

	if (/^https?:\/\//.test(source)) {
		const response = await fetch(source).catch((error: unknown) => {
			throw new BerthError('NETWORK_FAILED', `cannot fetch \`${source}\`: ${(error as Error).message}`, {cause: error});
		});
		if (!response.ok || !response.body) {
			throw new BerthError('NETWORK_FAILED', `cannot fetch \`${source}\`: HTTP ${response.status}`);
		}

		return Readable.fromWeb(response.body as import('node:stream/web').ReadableStream<Uint8Array>);
	}

	// Large reads: an archive's bytes pass through a few stream stages each, per chunk.
	const stream = fs.createReadStream(source, {highWaterMark: 1024 * 1024});
	await new Promise<void>((resolve, reject) => {
		stream.once('open', () => resolve());
		stream.once('error', error => reject(new BerthError('NO_SUCH_FILE', `cannot read \`${source}\`: ${error.message}`, {cause: error})));
	});
	return stream;
};

/**
 * Writes `archive` to `file`, whole or not at all (a temporary file renamed at the end), or to
 * standard output, which must not be a terminal.
 */
export const writeOutput = async (archive: Readable, file: string | undefined): Promise<void> => {
	if (file === undefined || file === '-') {
		if (process.stdout.isTTY) {
			throw new BerthError('INVALID_ARGUMENT', 'refusing to write an archive to a terminal: use -o or redirect the output');
		}

		await pipeline(archive, process.stdout);
		return;
	}

	const temp = path.join(path.dirname(path.resolve(file)), tempName(path.basename(file)));
	try {
		await pipeline(archive, fs.createWriteStream(temp, {flags: 'wx'}));
		await fsp.rename(temp, file);
	} catch (error) {
		await fsp.rm(temp, {force: true});
		throw error;
	}
};
