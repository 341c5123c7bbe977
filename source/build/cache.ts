/**
 * The build cache: for each step, a key made of everything its result depends on — the parent
 * image's id, the instruction as it will be recorded (with its arguments' values, and for
 * COPY and ADD a digest of the files copied), the config it leads to — names the image the
 * step made last time. One small file per key under BERTH_ROOT/build/cache, written
 * atomically; an entry whose image has since been removed is a miss.
 */
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import {isErrno} from '../engine/errors.js';
import {writeFileAtomic} from '../storage/atomic.js';
import {isDigest, sha256, type Digest} from '../storage/blobs.js';

export class BuildCache {
	private readonly dir: string;

	constructor(root: string) {
		this.dir = path.join(root, 'build', 'cache');
	}

	static key(...parts: unknown[]): string {
		return sha256(JSON.stringify(parts)).slice('sha256:'.length);
	}

	/** The manifest digest of the image cached under `key`. */
	async get(key: string): Promise<Digest | undefined> {
		try {
			// One synchronous read: a rebuild reads one record a step, and a promise's open, read and close cost more than the read.
			const digest = fs.readFileSync(path.join(this.dir, key), 'utf8').trim();
			return isDigest(digest) ? digest : undefined;
		} catch (error) {
			if (isErrno(error, 'ENOENT')) {
				return undefined;
			}

			throw error;
		}
	}

	async set(key: string, manifest: Digest): Promise<void> {
		await fsp.mkdir(this.dir, {recursive: true});
		await writeFileAtomic(path.join(this.dir, key), `${manifest}\n`);
	}
}
