/**
 * Images with several layers, written straight into a berth store for registry tests and
 * benchmarks: the busybox test rootfs as the base layer (a plain tar), then gzipped layers
 * of the given files (GNU tar and gzip make them), tagged with `reference`.
 */
import {execFileSync} from 'node:child_process';
import {createHash} from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {MediaType, hostPlatform} from '../../source/image/oci.js';
import {ImageStore} from '../../source/image/store.js';
import {BlobStore, type Digest} from '../../source/storage/blobs.js';
import {busyboxTarball} from './berth.js';

/** A layer: its files, path to content. */
export type LayerFiles = Record<string, string | Buffer>;

const sha256File = (file: string): Digest => `sha256:${createHash('sha256').update(fs.readFileSync(file)).digest('hex')}`;

/** Writes the files as a tar, gzipped with `level`; returns the .tar.gz path and the tar's digest. */
const makeLayer = (dir: string, files: LayerFiles, level: number): {file: string; diffId: Digest} => {
	const tree = fs.mkdtempSync(path.join(dir, 'tree-'));
	for (const [name, content] of Object.entries(files)) {
		fs.mkdirSync(path.dirname(path.join(tree, name)), {recursive: true});
		fs.writeFileSync(path.join(tree, name), content);
	}

	const tar = `${tree}.tar`;
	execFileSync('tar', ['--numeric-owner', '--owner=0', '--group=0', '--mtime=2024-01-01', '--sort=name', '-C', tree, '-cf', tar, '.']);
	const diffId = sha256File(tar);
	execFileSync('gzip', [`-${level}`, '-n', tar]);
	fs.rmSync(tree, {recursive: true, force: true});
	return {file: `${tar}.gz`, diffId};
};

/**
 * Adds an image of busybox plus one gzipped layer per entry of `layers` to the store under
 * `root`, tags it, and returns its id. `level` is gzip's (1 fast, 9 small).
 */
export const addLayeredImage = async (root: string, reference: string, layers: LayerFiles[], level = 6): Promise<Digest> => {
	const blobs = new BlobStore(root);
	const store = new ImageStore(root, blobs);
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-layers-'));
	try {
		const baseDigest = sha256File(busyboxTarball());
		const base = await blobs.ingest(fs.createReadStream(busyboxTarball()));
		const entries = [{blob: {mediaType: MediaType.ociLayer, ...base}, diffId: baseDigest}];
		for (const files of layers) {
			const {file, diffId} = makeLayer(dir, files, level);
			const blob = await blobs.ingest(fs.createReadStream(file));
			entries.push({blob: {mediaType: MediaType.ociLayerGzip, ...blob}, diffId});
		}

		const {os: system, architecture} = hostPlatform();
		const manifest = await store.writeImage({
			config: {architecture, os: system, config: {Cmd: ['sh']}, history: entries.map((_, index) => ({created_by: `layer ${index}`}))},
			layers: entries,
		});
		return await store.tag(reference, manifest.digest);
	} finally {
		fs.rmSync(dir, {recursive: true, force: true});
	}
};
