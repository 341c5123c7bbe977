/**
 * The digests of a build context's files, remembered with what lstat said of each file when it
 * was read — device, inode, size, mtime and ctime — so that a rebuild reads again only the files
 * that changed, as git's index does. One small record per context directory under
 * BERTH_ROOT/build/digests, written atomically once a build has read new files.
 *
 * A digest is trusted only while all five values are the same. ctime cannot be set from user
 * space (utimes sets it to now), so a write, a chmod or a restored mtime all show. What a
 * timestamp cannot show is a write within the same clock tick as the last one: a file changed
 * less than `settle` before it was read is not remembered, and is read again next time. Files
 * that are gone leave the record when it is next written.
 */
import {createHash} from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import {isErrno} from '../engine/errors.js';
import {writeFileAtomic} from '../storage/atomic.js';

/** [dev, ino, size, mtimeMs, ctimeMs, sha256 hex of the content]. */
type Entry = [number, number, number, number, number, string];

type Record = {version: 1; files: {[file: string]: Entry}};

/** Longer than any filesystem's timestamp granularity (FAT's is 2 s) and clock step. */
const settle = 3000;

const sameFile = (entry: Entry, stat: fs.Stats): boolean =>
	entry[0] === stat.dev && entry[1] === stat.ino && entry[2] === stat.size && entry[3] === stat.mtimeMs && entry[4] === stat.ctimeMs;

export class FileDigests {
	private readonly added = new Map<string, Entry>();
	/** The files asked for in this build: the record keeps other files only while they exist. */
	private readonly asked = new Set<string>();

	/** `now` is the clock the settle time is measured by (tests move it on). */
	private constructor(private readonly file: string | undefined, private readonly known: Map<string, Entry>, private readonly now: () => number) {}

	/** Digests remembered nowhere: every file is read. */
	static none(): FileDigests {
		return new FileDigests(undefined, new Map(), Date.now);
	}

	/** The digests remembered for the context directory `context`, kept under `root` (BERTH_ROOT). */
	static open(root: string, context: string, now: () => number = Date.now): FileDigests {
		const name = createHash('sha256').update(path.resolve(context)).digest('hex');
		const file = path.join(root, 'build', 'digests', name);
		let known = new Map<string, Entry>();
		try {
			const record = JSON.parse(fs.readFileSync(file, 'utf8')) as Record;
			if (record.version === 1) {
				known = new Map(Object.entries(record.files));
			}
		} catch (error) {
			// A record that is not there yet, or not readable JSON: every file is read again, and the record rewritten.
			if (!isErrno(error, 'ENOENT') && !(error instanceof SyntaxError)) {
				throw error;
			}
		}

		return new FileDigests(file, known, now);
	}

	/** The content digest of `file` if it is unchanged since it was last read. */
	get(file: string, stat: fs.Stats): string | undefined {
		this.asked.add(file);
		const entry = this.added.get(file) ?? this.known.get(file);
		return entry && sameFile(entry, stat) ? entry[5] : undefined;
	}

	/** Remembers the digest of `file`, read just now, unless it changed too recently to tell. */
	set(file: string, stat: fs.Stats, digest: string): void {
		if (stat.ctimeMs < this.now() - settle) {
			this.added.set(file, [stat.dev, stat.ino, stat.size, stat.mtimeMs, stat.ctimeMs, digest]);
		}
	}

	/** Writes the record, if files were read that it did not know. */
	async save(): Promise<void> {
		if (!this.file || this.added.size === 0) {
			return;
		}

		const kept = [...this.known].filter(([file]) => this.asked.has(file) || fs.existsSync(file));
		const files = Object.fromEntries([...kept, ...this.added]);
		await fsp.mkdir(path.dirname(this.file), {recursive: true});
		await writeFileAtomic(this.file, JSON.stringify({version: 1, files} satisfies Record));
		for (const [file, entry] of this.added) {
			this.known.set(file, entry);
		}

		this.added.clear();
	}
}
