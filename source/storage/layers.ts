/**
 * Unpacked layers: layers/<chain-id hex>/diff, the lower directories overlayfs stacks, each
 * in overlay form (whiteouts as char devices 0:0, opaque directories marked by xattr).
 *
 * A layer is extracted into a `.tmp-` directory under layers/, checked against its chain id,
 * made durable with one syncfs, then renamed into place: a layer directory is always whole,
 * and a killed unpack leaves only a temporary directory that `sweep` removes. The directory
 * is named by the hex alone because overlayfs reads `:` in a lower dir as a separator.
 */
import fsp from 'node:fs/promises';
import path from 'node:path';
import type {Readable} from 'node:stream';
import {BerthError, isErrno} from '../engine/errors.js';
import {native} from '../native/addon.js';
import {listDir, syncDir, sweepTemp, tempName, withLock} from './atomic.js';
import {isDigest, sha256, type Digest} from './blobs.js';
import {extractLayer} from './extract.js';
import {removeStaleProbes} from './overlay-probe.js';

/** chainID(L0) = diffID(L0); chainID(Ln) = sha256(chainID(Ln-1) + " " + diffID(Ln)) (OCI image-spec config.md). */
export const chainId = (parent: Digest | undefined, diffId: Digest): Digest =>
	parent === undefined ? diffId : sha256(`${parent} ${diffId}`);

/** The chain ids of a stack of layers given bottom-first, as `rootfs.diff_ids` lists them. */
export const chainIds = (diffIds: readonly Digest[]): Digest[] => {
	const chain: Digest[] = [];
	for (const diffId of diffIds) {
		chain.push(chainId(chain.at(-1), diffId));
	}

	return chain;
};

/** Opens the layer's tar (gzipped or not); called only when the layer must really be unpacked. */
export type OpenTar = () => Readable | Promise<Readable>;

const hex = (digest: Digest): string => {
	if (!isDigest(digest)) {
		throw new BerthError('INVALID_ARGUMENT', `invalid layer chain id \`${digest}\``);
	}

	return digest.slice('sha256:'.length);
};

export class LayerStore {
	/** layers/ under the berth root. */
	readonly root: string;
	private readonly locks: string;

	constructor(root: string) {
		this.root = path.join(root, 'layers');
		this.locks = path.join(root, 'locks');
	}

	/** The layer's directory of files: a lower dir for overlayfs. */
	dir(id: Digest): string {
		return path.join(this.root, hex(id), 'diff');
	}

	async has(id: Digest): Promise<boolean> {
		try {
			await fsp.access(this.dir(id));
			return true;
		} catch {
			return false;
		}
	}

	/**
	 * Unpacks a layer unless it is here already, and returns its diff id. `parent` is the chain
	 * id of the layer below (none for the base layer): the chain id computed from the tar's
	 * diff id must equal `id`, or it is a DIGEST_MISMATCH and nothing is kept. Concurrent
	 * unpacks of the same layer, from any process, unpack it once.
	 */
	async unpack(id: Digest, openTar: OpenTar, parent?: Digest): Promise<Digest> {
		const name = hex(id);
		return withLock(this.lock(id), async () => {
			if (await this.has(id)) {
				return this.diffId(id);
			}

			const {temp, diffId} = await this.extract(openTar);
			try {
				if (hex(chainId(parent, diffId)) !== name) {
					throw new BerthError('DIGEST_MISMATCH', `layer \`${id}\` does not match its content: its diff id is ${diffId}`);
				}

				await this.commit(temp, name, diffId);
				return diffId;
			} finally {
				await fsp.rm(temp, {recursive: true, force: true});
			}
		});
	}

	/**
	 * Unpacks a layer whose diff id is not known beforehand (import, commit) on top of
	 * `parent`, and returns its chain id and diff id. A layer that was already here is kept.
	 */
	async add(openTar: OpenTar, parent?: Digest): Promise<{chainId: Digest; diffId: Digest}> {
		const {temp, diffId} = await this.extract(openTar);
		try {
			const id = chainId(parent, diffId);
			await withLock(this.lock(id), async () => {
				if (!await this.has(id)) {
					await this.commit(temp, hex(id), diffId);
				}
			});
			return {chainId: id, diffId};
		} finally {
			await fsp.rm(temp, {recursive: true, force: true});
		}
	}

	/** The diff id recorded when the layer was unpacked. */
	async diffId(id: Digest): Promise<Digest> {
		try {
			return (await fsp.readFile(path.join(this.root, hex(id), 'diff-id'), 'utf8')).trim() as Digest;
		} catch (error) {
			if (isErrno(error, 'ENOENT')) {
				throw new BerthError('NO_SUCH_LAYER', `layer \`${id}\` is not unpacked`, {cause: error});
			}

			throw error;
		}
	}

	/**
	 * Removes a layer. It is renamed to a temporary name first, so a removal cut short never
	 * leaves a half-deleted layer that looks whole.
	 */
	async remove(id: Digest): Promise<void> {
		const name = hex(id);
		await withLock(this.lock(id), async () => {
			const temp = path.join(this.root, tempName());
			try {
				await fsp.rename(path.join(this.root, name), temp);
			} catch (error) {
				if (isErrno(error, 'ENOENT')) {
					return;
				}

				throw error;
			}

			await fsp.rm(temp, {recursive: true, force: true});
		});
	}

	async list(): Promise<Digest[]> {
		return (await listDir(this.root)).filter(name => /^[a-f\d]{64}$/.test(name)).map(name => `sha256:${name}` as Digest);
	}

	/** Removes what killed unpacks and removals left behind. */
	async sweep(): Promise<void> {
		await removeStaleProbes(this.root);
		await sweepTemp(this.root);
	}

	/** Extracts a tar into a new temporary directory (the caller removes it) and returns its diff id. */
	private async extract(openTar: OpenTar): Promise<{temp: string; diffId: Digest}> {
		await fsp.mkdir(this.root, {recursive: true});
		const temp = path.join(this.root, tempName());
		try {
			await fsp.mkdir(path.join(temp, 'diff'), {recursive: true});
			return {temp, diffId: await extractLayer(await openTar(), path.join(temp, 'diff'))};
		} catch (error) {
			await fsp.rm(temp, {recursive: true, force: true});
			throw error;
		}
	}

	/** One lock per layer; lock files stay, as removing one could let two holders in. */
	private lock(id: Digest): string {
		return path.join(this.locks, `layer-${hex(id)}`);
	}

	/** Makes the unpacked files durable, then renames the temporary directory into place. */
	private async commit(temp: string, name: string, diffId: Digest): Promise<void> {
		await fsp.writeFile(path.join(temp, 'diff-id'), `${diffId}\n`);
		await native().syncfs(temp);
		await fsp.rename(temp, path.join(this.root, name));
		await syncDir(this.root);
	}
}
