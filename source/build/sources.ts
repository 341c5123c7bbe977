/**
 * Where COPY and ADD read from: the build context (with .dockerignore's exclusions applied,
 * by Docker's rules through @balena/dockerignore) or an earlier stage's files. A source is a
 * path or a glob (Go's filepath.Match: `*`, `?` and `[...]` within one path component),
 * relative to the tree's root; one that climbs out of it is refused, and symlinks on the way
 * to it are followed without leaving it.
 */
import {createHash} from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import dockerignore, {type Ignore} from '@balena/dockerignore';
import {BerthError, isErrno} from '../engine/errors.js';
import {relativeInside, resolveInRoot} from '../storage/scoped-path.js';
import {globRegExp} from '../image/glob.js';
import {FileDigests} from './file-digests.js';

export type Source = {
	/** Its path on the host. */
	file: string;
	/** Its path relative to what it was found under. */
	name: string;
	stat: fs.Stats;
};

/** The package is CommonJS and its types say `export default`: imported, it is the function itself. */
const ignore = dockerignore as unknown as typeof dockerignore.default;

const hasGlob = (pattern: string) => /[*?[]/.test(pattern);

export class SourceTree {
	private readonly ignored?: Ignore;
	private readonly reincludes: boolean;

	/**
	 * `what` names the tree in errors: "build context", "stage `builder`"; `patterns` are
	 * .dockerignore's lines (undefined: the tree has no .dockerignore, as a stage's files).
	 */
	constructor(readonly root: string, readonly what: string, private readonly patterns?: readonly string[]) {
		// Without patterns nothing is excluded: no matcher to ask for every entry.
		this.ignored = patterns && patterns.length > 0 ? ignore().add([...patterns]) : undefined;
		this.reincludes = (patterns ?? []).some(pattern => pattern.trim().startsWith('!'));
	}

	/** The build context in `dir`, with its .dockerignore. */
	static async context(dir: string): Promise<SourceTree> {
		let text = '';
		try {
			text = fs.readFileSync(path.join(dir, '.dockerignore'), 'utf8');
		} catch (error) {
			if (!isErrno(error, 'ENOENT')) {
				throw error;
			}
		}

		const patterns = text.split('\n').map(line => line.trim()).filter(line => line !== '' && !line.startsWith('#'));
		return new SourceTree(dir, 'build context', patterns);
	}

	/** What a COPY source names: one entry, or every entry a glob matches (an error when there is none). */
	async match(pattern: string): Promise<Source[]> {
		const relative = relativeInside(pattern, this.what);
		if (!hasGlob(relative)) {
			const file = await resolveInRoot(this.root, relative);
			const stat = fs.lstatSync(file, {throwIfNoEntry: false});
			if (!stat || (relative !== '' && this.excludes(relative))) {
				throw this.notFound(pattern);
			}

			return [{file, name: relative, stat}];
		}

		const regexp = globRegExp(relative);
		const depth = relative.split('/').length;
		const found = this.walk('', depth).filter(source => regexp.test(source.name));
		if (found.length === 0) {
			throw this.notFound(pattern);
		}

		return found;
	}

	/** Everything below a directory source, parents first, named relative to it. */
	async below(source: Source): Promise<Source[]> {
		const entries = this.walk(source.name, Number.POSITIVE_INFINITY, source.file);
		const prefix = source.name === '' ? 0 : source.name.length + 1;
		return entries.map(entry => ({...entry, name: entry.name.slice(prefix)}));
	}

	/**
	 * The entries under `relative` (at `file` on the host), sorted, down to `depth` levels;
	 * excluded ones left out, and excluded directories skipped whole unless a `!` pattern may
	 * bring something inside them back. Synchronous calls: a context is walked at every build,
	 * and a promise's thread-pool round trip per entry costs several times the lstat itself.
	 */
	private walk(relative: string, depth: number, file = path.join(this.root, relative)): Source[] {
		if (depth <= 0) {
			return [];
		}

		const names = fs.readdirSync(file).sort();
		const found: Source[] = [];
		for (const name of names) {
			const entry: Source = {
				file: path.join(file, name),
				name: relative === '' ? name : `${relative}/${name}`,
				stat: fs.lstatSync(path.join(file, name)),
			};
			const excluded = this.excludes(entry.name);
			if (!excluded) {
				found.push(entry);
			}

			if (entry.stat.isDirectory() && (!excluded || this.reincludes)) {
				found.push(...this.walk(entry.name, depth - 1, entry.file));
			}
		}

		return found;
	}

	/** Whether .dockerignore excludes the entry at `relative`. */
	excludes(relative: string): boolean {
		return this.ignored?.ignores(relative) ?? false;
	}

	private notFound(pattern: string): BerthError {
		const excluded = this.patterns ? ' or excluded by .dockerignore' : '';
		return new BerthError('NO_SUCH_FILE', `\`${pattern}\`: no such file in the ${this.what}${excluded}`);
	}
}

/** Files up to this size are read in one call: most of a context, and much cheaper than a stream each. */
const wholeFile = 1024 * 1024;

const fileDigest = async (file: string, stat: fs.Stats): Promise<string> => {
	const hash = createHash('sha256');
	if (stat.size <= wholeFile) {
		hash.update(fs.readFileSync(file));
	} else {
		for await (const chunk of fs.createReadStream(file)) {
			hash.update(chunk as Buffer);
		}
	}

	return hash.digest('hex');
};

/**
 * A digest of what the sources hold — names, types, modes, link targets and file contents,
 * not times or owners — so that a COPY of unchanged files is a cache hit. A file's content is
 * read only when `digests` does not already know it unchanged.
 */
export const contentDigest = async (entries: readonly Source[], digests = FileDigests.none()): Promise<string> => {
	const hash = createHash('sha256');
	for (const {file, name, stat} of entries) {
		hash.update(`${name}\0${stat.mode}\0${stat.size}\0`);
		if (stat.isSymbolicLink()) {
			hash.update(fs.readlinkSync(file));
		} else if (stat.isFile()) {
			let digest = digests.get(file, stat);
			if (digest === undefined) {
				digest = await fileDigest(file, stat);
				digests.set(file, stat, digest);
			}

			hash.update(digest);
		}

		hash.update('\0');
	}

	return hash.digest('hex');
};
