import {createHash} from 'node:crypto';
import test from 'ava';
import {chainIds} from '../../source/storage/layers.js';
import {
	MediaType, goArch, hostPlatform, isIndex, isManifest, layerCompression, platformMatches, selectManifest,
	type Descriptor, type Index, type Platform,
} from '../../source/image/oci.js';
import type {Digest} from '../../source/storage/blobs.js';

const digest = (n: number): Digest => `sha256:${String(n).repeat(64).slice(0, 64)}`;

const entry = (n: number, platform: Platform): Descriptor => ({
	mediaType: MediaType.ociManifest, digest: digest(n), size: 100, platform,
});

test('the host is linux with the Go name of its architecture', t => {
	t.is(goArch('x64'), 'amd64');
	t.is(goArch('arm64'), 'arm64');
	t.is(goArch('ia32'), '386');
	t.is(goArch('s390x'), 's390x');
	const host = hostPlatform();
	t.is(host.os, 'linux');
	t.is(host.architecture, goArch(process.arch));
});

test('indexes and manifests are told apart, with or without a media type', t => {
	t.true(isIndex({mediaType: MediaType.ociIndex}));
	t.true(isIndex({mediaType: MediaType.dockerManifestList}));
	t.true(isIndex({manifests: []}));
	t.false(isIndex({mediaType: MediaType.ociManifest}));
	t.true(isManifest({mediaType: MediaType.dockerManifest}));
	t.true(isManifest({config: {}, layers: []}));
	t.false(isManifest({manifests: []}));
});

test('layer compression comes from the media type', t => {
	t.is(layerCompression(MediaType.ociLayer), 'none');
	t.is(layerCompression(MediaType.ociLayerGzip), 'gzip');
	t.is(layerCompression(MediaType.ociLayerZstd), 'zstd');
	t.is(layerCompression(MediaType.dockerLayerGzip), 'gzip');
	t.is(layerCompression('application/vnd.oci.image.layer.nondistributable.v1.tar+gzip'), 'gzip');
	t.is(layerCompression(MediaType.ociConfig), undefined);
});

test('the platform of an index is chosen for the host', t => {
	const index: Index = {
		schemaVersion: 2,
		manifests: [
			entry(1, {os: 'linux', architecture: 'arm', variant: 'v6'}),
			entry(2, {os: 'linux', architecture: 'arm', variant: 'v7'}),
			entry(3, {os: 'windows', architecture: 'amd64'}),
			entry(4, {os: 'linux', architecture: 'amd64'}),
			entry(5, {os: 'linux', architecture: 'arm64', variant: 'v8'}),
		],
	};
	t.is(selectManifest(index, {os: 'linux', architecture: 'amd64'})?.digest, digest(4));
	t.is(selectManifest(index, {os: 'linux', architecture: 'arm64'})?.digest, digest(5));
	t.is(selectManifest(index, {os: 'linux', architecture: 'arm', variant: 'v7'})?.digest, digest(2));
	t.is(selectManifest(index, {os: 'linux', architecture: 'arm', variant: 'v6'})?.digest, digest(1));
	// An arm/v8 host runs v7 images: the closest older variant wins over index order.
	t.is(selectManifest(index, {os: 'linux', architecture: 'arm', variant: 'v8'})?.digest, digest(2));
	t.is(selectManifest(index, {os: 'linux', architecture: 's390x'}), undefined);
	t.false(platformMatches(undefined, {os: 'linux', architecture: 'amd64'}));
	t.true(platformMatches({os: 'linux', architecture: 'arm64', variant: '8'}, {os: 'linux', architecture: 'arm64'}));
	t.false(platformMatches({os: 'linux', architecture: 'amd64', variant: 'v3'}, {os: 'linux', architecture: 'amd64'}));
});

test('chain ids follow the image-spec formula', t => {
	const [a, b, c] = [digest(1), digest(2), digest(3)];
	const hash = (text: string) => `sha256:${createHash('sha256').update(text).digest('hex')}`;
	const ab = hash(`${a} ${b}`);
	t.deepEqual(chainIds([a, b, c]), [a, ab, hash(`${ab} ${c}`)]);
	t.deepEqual(chainIds([]), []);
});
