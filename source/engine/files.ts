/**
 * A container's files from the host: `diff`, `export` and `cp`, for running and stopped
 * containers alike.
 *
 * Reads go through a read-only view of the merged root mounted for the length of the command
 * (Snapshotter.view), which is safe while the container runs. Writes into a stopped container
 * go through a brief writable mount; into a running one, through /proc/PID/root, so they pass
 * its own overlay mount and it sees them at once. Every path inside the container is resolved
 * the way the container would resolve it, its symlinks taken relative to its root, and the
 * copy is extracted by the layer extractor, which writes through no symlink.
 */
import fsp from 'node:fs/promises';
import path from 'node:path';
import type {Readable} from 'node:stream';
import type {Engine} from './engine.js';
import {BerthError, isErrno} from './errors.js';
import {runtimeFiles} from './commit.js';
import {resolveInRoot} from '../storage/scoped-path.js';
import type {Container} from '../runtime/container.js';
import {TEMP_PREFIX, tempName, writerAlive} from '../storage/atomic.js';
import type {Change} from '../storage/changes.js';
import {extractLayer} from '../storage/extract.js';
import {packLayer, TreeWalker} from '../storage/pack.js';
import {writeTar, type TarOutput, type WriteEntry} from '../storage/tar-writer.js';

const lstatOrUndefined = async (file: string) => fsp.lstat(file).catch((error: unknown) => {
	if (isErrno(error, 'ENOENT') || isErrno(error, 'ENOTDIR')) {
		return undefined;
	}

	throw error;
});

/**
 * `inside` (a path in the container) as a path under `root`, its symlinks followed within the
 * root as the container would: all but the last component's, and that one too with `followLast`.
 */
const resolvePath = async (root: string, inside: string, followLast: boolean): Promise<string> => {
	if (followLast) {
		return resolveInRoot(root, inside);
	}

	const clean = path.posix.normalize(`/${inside}`);
	return path.join(await resolveInRoot(root, path.posix.dirname(clean)), path.posix.basename(clean));
};

/** Where a copy lands: the directory to extract into, and the name the copied entry takes there (none: only its content goes in). */
type Destination = {dir: string; name?: string};

/**
 * `cp`'s rules, as Docker's: into an existing directory the source keeps its name (or, for
 * `DIR/.`, only its content goes); otherwise it takes the destination's name, whose parent
 * must exist.
 */
const destination = async (source: {directory: boolean; contentOnly: boolean; name: string}, dest: string, shown: string): Promise<Destination> => {
	const stat = await lstatOrUndefined(dest);
	if (stat?.isDirectory()) {
		return source.contentOnly ? {dir: dest} : {dir: dest, name: source.name};
	}

	if (stat && source.directory) {
		throw new BerthError('INVALID_ARGUMENT', `cannot copy a directory to the file \`${shown}\``);
	}

	if (!stat && shown.endsWith('/') && !source.directory) {
		throw new BerthError('NO_SUCH_FILE', `destination directory \`${shown}\` does not exist`);
	}

	const parent = await lstatOrUndefined(path.dirname(dest));
	if (!parent?.isDirectory()) {
		throw new BerthError('NO_SUCH_FILE', `no such directory: \`${path.posix.dirname(shown.replace(/\/+$/, ''))}\``);
	}

	return {dir: path.dirname(dest), name: path.basename(dest)};
};

/**
 * The tar entries of `file` under the name `name`, or of what is in the directory `file` when
 * `name` is undefined; owned by `owner`, since Docker's `cp` does not keep owners either.
 */
async function * entriesOf(file: string, name: string | undefined, owner: {uid: number; gid: number}): AsyncGenerator<WriteEntry> {
	const own = path.basename(file);
	const entries = name === undefined
		? new TreeWalker(file, 'plain').directory('')
		: new TreeWalker(path.dirname(file), 'plain').entry(file, own, await fsp.lstat(file));
	// Every entry of `entry(file, own)` starts with `own`.
	const rename = (entryPath: string) => name === undefined ? entryPath : name + entryPath.slice(own.length);
	for await (const entry of entries) {
		const {header} = entry;
		yield {
			...entry,
			header: {
				...header,
				...owner,
				path: rename(header.path),
				linkpath: header.type === 'hardlink' ? rename(header.linkpath) : header.linkpath,
			},
		};
	}
}

export class ContainerFiles {
	constructor(private readonly engine: Engine) {}

	/** The container's changes to its image, as `docker diff` lists them. */
	async changes(reference: string): Promise<Change[]> {
		const container = await this.engine.containers.get(reference);
		const snapshotter = await this.engine.snapshotter();
		return snapshotter.changes(this.dir(container), container.Rootfs.lowers, runtimeFiles);
	}

	/** Streams the container's whole filesystem as one flat tar into `output`. */
	async export(reference: string, output: (tar: TarOutput) => Promise<void>): Promise<void> {
		const container = await this.engine.containers.get(reference);
		await this.withView(container, async root => output(packLayer(root, {format: 'plain'})));
		await this.event(container, 'export');
	}

	/**
	 * Copies `source` out of the container to the host path `dest`, or as a tar to `output`
	 * when `dest` is undefined (`cp CONTAINER:PATH -`).
	 */
	async copyOut(reference: string, source: string, dest: string | undefined, output?: (tar: TarOutput) => Promise<void>): Promise<void> {
		const container = await this.engine.containers.get(reference);
		await this.withView(container, async root => {
			const file = await resolvePath(root, source, /\/\.?$/.test(source));
			const stat = await lstatOrUndefined(file);
			if (!stat) {
				throw new BerthError('NO_SUCH_FILE', `no such file in container \`${reference}\`: \`${source}\``);
			}

			const contentOnly = /\/\.$/.test(source) && stat.isDirectory();
			const owner = {uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0};
			if (dest === undefined) {
				await output!(writeTar(entriesOf(file, contentOnly ? undefined : path.basename(file), owner)));
				return;
			}

			const target = await destination({directory: stat.isDirectory(), contentOnly, name: path.basename(file)}, path.resolve(dest), dest);
			await extractLayer(writeTar(entriesOf(file, target.name, owner)).stream, target.dir, {format: 'flat'});
		});
	}

	/**
	 * Copies the host path `source` into the container at `dest`, or extracts the tar `input`
	 * into the directory `dest` when `source` is undefined (`cp - CONTAINER:DIR`).
	 */
	async copyIn(reference: string, source: string | undefined, dest: string, input?: Readable): Promise<void> {
		const container = await this.engine.containers.get(reference);
		await this.withWritableRoot(container, async root => {
			const target = await resolvePath(root, dest, dest.endsWith('/'));
			if (source === undefined) {
				if (!(await lstatOrUndefined(target))?.isDirectory()) {
					throw new BerthError('NO_SUCH_FILE', `destination \`${dest}\` in container \`${reference}\` must be a directory`);
				}

				await extractLayer(input!, target, {format: 'flat'});
				return;
			}

			const file = path.resolve(source);
			const stat = await lstatOrUndefined(file);
			if (!stat) {
				throw new BerthError('NO_SUCH_FILE', `no such file: \`${source}\``);
			}

			const contentOnly = /\/\.$/.test(source) && stat.isDirectory();
			const where = await destination({directory: stat.isDirectory(), contentOnly, name: path.basename(file)}, target, dest);
			await extractLayer(writeTar(entriesOf(file, where.name, {uid: 0, gid: 0})).stream, where.dir, {format: 'flat'});
		});
	}

	private dir(container: Container): string {
		return this.engine.containerStore.containerDir(container.Id);
	}

	/** Runs `fn` on a read-only view of the container's root, mounted for the time it takes. */
	private async withView<T>(container: Container, fn: (root: string) => Promise<T>): Promise<T> {
		const snapshotter = await this.engine.snapshotter();
		return this.withMountPoint(async target => snapshotter.view(this.dir(container), container.Rootfs.lowers, target), fn);
	}

	/** The running container's own root, or a writable mount of a stopped one's. */
	private async withWritableRoot<T>(container: Container, fn: (root: string) => Promise<T>): Promise<T> {
		if (container.State.Running) {
			return fn(`/proc/${container.State.Pid}/root`);
		}

		const snapshotter = await this.engine.snapshotter();
		return this.withMountPoint(async target => snapshotter.mount(this.dir(container), container.Rootfs.lowers, target), fn);
	}

	private async withMountPoint<T>(mount: (target: string) => Promise<void>, fn: (root: string) => Promise<T>): Promise<T> {
		const snapshotter = await this.engine.snapshotter();
		await this.sweepMounts();
		const target = path.join(this.engine.roots.run, tempName('mount'));
		await fsp.mkdir(target, {recursive: true, mode: 0o700});
		try {
			await mount(target);
			try {
				return await fn(target);
			} finally {
				await snapshotter.unmount(target);
			}
		} finally {
			await fsp.rmdir(target).catch(() => undefined);
		}
	}

	/** Unmounts and removes the views that killed berth processes left mounted. */
	private async sweepMounts(): Promise<void> {
		const snapshotter = await this.engine.snapshotter();
		const names = await fsp.readdir(this.engine.roots.run).catch(() => []);
		for (const name of names.filter(name => name.startsWith(TEMP_PREFIX) && name.endsWith('-mount') && !writerAlive(name))) {
			const target = path.join(this.engine.roots.run, name);
			await snapshotter.unmount(target);
			await fsp.rmdir(target).catch(() => undefined);
		}
	}

	private async event(container: Container, action: string): Promise<void> {
		await this.engine.events.record('container', action, container.Id, {name: container.Name.replace(/^\//, '')});
	}
}
