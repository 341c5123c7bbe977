/**
 * The containers under BERTH_ROOT/containers/<id>/ and their runtime files under
 * BERTH_RUN/<id>/. Records are written atomically; changes to one container happen under
 * its lock, and creating, naming and removing under the store's lock, so two berth processes
 * never give out one name twice.
 */
import fsp from 'node:fs/promises';
import path from 'node:path';
import {BerthError, isErrno} from '../engine/errors.js';
import {native} from '../native/addon.js';
import {listDir, readJson, sweepTemp, withLock, writeJsonAtomic} from '../storage/atomic.js';
import type {Container, ContainerRecord, State} from './container.js';

export class ContainerStore {
	readonly dir: string;
	readonly runRoot: string;
	private readonly locks: string;

	constructor(root: string, run: string) {
		this.dir = path.join(root, 'containers');
		this.runRoot = run;
		this.locks = path.join(root, 'locks');
	}

	containerDir(id: string): string {
		return path.join(this.dir, id);
	}

	runDir(id: string): string {
		return path.join(this.runRoot, id);
	}

	async ids(): Promise<string[]> {
		return (await listDir(this.dir)).filter(name => /^[a-f\d]{64}$/.test(name));
	}

	/** Every container that is whole on disk; one being created or removed right now is skipped. */
	async list(): Promise<Container[]> {
		const all = await Promise.all((await this.ids()).map(async id => this.read(id).catch(() => undefined)));
		return all.filter((container): container is Container => container !== undefined);
	}

	async read(id: string): Promise<Container> {
		const dir = this.containerDir(id);
		try {
			const [record, state] = await Promise.all([
				readJson<ContainerRecord>(path.join(dir, 'config.json')),
				readJson<State>(path.join(dir, 'state.json')),
			]);
			return {...record, State: state};
		} catch (error) {
			if (isErrno(error, 'ENOENT')) {
				throw new BerthError('NO_SUCH_CONTAINER', `no such container: \`${id}\``, {cause: error});
			}

			throw error;
		}
	}

	/** Finds a container by full id, name, or unique id prefix, as Docker does (in that order). */
	async resolve(reference: string): Promise<string> {
		const ids = await this.ids();
		if (ids.includes(reference)) {
			return reference;
		}

		const name = reference.replace(/^\//, '');
		const named = (await this.list()).find(container => container.Name === `/${name}`);
		if (named) {
			return named.Id;
		}

		const matches = /^[a-f\d]+$/.test(reference) ? ids.filter(id => id.startsWith(reference)) : [];
		if (matches.length > 1) {
			throw new BerthError('AMBIGUOUS_ID', `container id prefix \`${reference}\` matches ${matches.length} containers`);
		}

		if (matches.length === 0) {
			throw new BerthError('NO_SUCH_CONTAINER', `no such container: \`${reference}\``);
		}

		return matches[0]!;
	}

	async writeRecord(record: ContainerRecord): Promise<void> {
		await writeJsonAtomic(path.join(this.containerDir(record.Id), 'config.json'), record);
	}

	async writeState(id: string, state: State): Promise<void> {
		await writeJsonAtomic(path.join(this.containerDir(id), 'state.json'), state);
	}

	/** Runs `fn` holding the store's lock: for creating, renaming and removing. */
	async withStoreLock<T>(fn: () => Promise<T>): Promise<T> {
		return withLock(path.join(this.locks, 'containers.lock'), fn);
	}

	/** Runs `fn` holding one container's lock: for changing its state. */
	async withLock<T>(id: string, fn: () => Promise<T>): Promise<T> {
		return withLock(path.join(this.locks, `container-${id}.lock`), fn);
	}

	async remove(id: string): Promise<void> {
		await Promise.all([this.runDir(id), this.containerDir(id)].map(async dir => native().removeTree(dir)));
		await fsp.rm(path.join(this.locks, `container-${id}.lock`), {force: true});
	}

	/** Removes what a killed `create` left: a half-made container dir. */
	async sweep(): Promise<void> {
		await sweepTemp(this.dir);
	}
}
