/**
 * The image formats berth reads and writes: OCI image-spec v1.1 (what berth writes) and the
 * Docker schema2 equivalents (what registries and `docker save` still hand out). Both share one
 * shape, so the rest of berth reads either through the same types; only the media types differ.
 */
import os from 'node:os';
import type {Digest} from '../storage/blobs.js';

export const MediaType = {
	ociDescriptor: 'application/vnd.oci.descriptor.v1+json',
	ociLayoutHeader: 'application/vnd.oci.layout.header.v1+json',
	ociIndex: 'application/vnd.oci.image.index.v1+json',
	ociManifest: 'application/vnd.oci.image.manifest.v1+json',
	ociConfig: 'application/vnd.oci.image.config.v1+json',
	ociLayer: 'application/vnd.oci.image.layer.v1.tar',
	ociLayerGzip: 'application/vnd.oci.image.layer.v1.tar+gzip',
	ociLayerZstd: 'application/vnd.oci.image.layer.v1.tar+zstd',
	ociEmpty: 'application/vnd.oci.empty.v1+json',
	dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
	dockerManifestList: 'application/vnd.docker.distribution.manifest.list.v2+json',
	dockerConfig: 'application/vnd.docker.container.image.v1+json',
	dockerLayerGzip: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
	dockerForeignLayerGzip: 'application/vnd.docker.image.rootfs.foreign.diff.tar.gzip',
} as const;

export type Platform = {
	architecture: string;
	os: string;
	'os.version'?: string;
	'os.features'?: string[];
	variant?: string;
	features?: string[];
};

export type Descriptor = {
	mediaType: string;
	digest: Digest;
	size: number;
	urls?: string[];
	annotations?: Record<string, string>;
	/** The blob itself, base64, for tiny blobs embedded in their parent. */
	data?: string;
	platform?: Platform;
	artifactType?: string;
};

/** OCI image manifest; a Docker schema2 manifest has the same fields with its own media types. */
export type Manifest = {
	schemaVersion: 2;
	mediaType?: string;
	artifactType?: string;
	config: Descriptor;
	layers: Descriptor[];
	subject?: Descriptor;
	annotations?: Record<string, string>;
};

/** OCI image index; a Docker manifest list has the same fields, with `platform` on every entry. */
export type Index = {
	schemaVersion: 2;
	mediaType?: string;
	artifactType?: string;
	manifests: Descriptor[];
	subject?: Descriptor;
	annotations?: Record<string, string>;
};

export type DockerManifest = Manifest & {mediaType: typeof MediaType.dockerManifest};

export type DockerManifestList = Index & {
	mediaType: typeof MediaType.dockerManifestList;
	manifests: Array<Descriptor & {platform: Platform}>;
};

export type HealthConfig = {
	Test?: string[];
	Interval?: number;
	Timeout?: number;
	StartPeriod?: number;
	StartInterval?: number;
	Retries?: number;
};

/**
 * The runtime defaults an image carries. The OCI fields first; Docker's extras (Healthcheck,
 * OnBuild, Shell) are kept because images built by Docker carry them and commit keeps them.
 */
export type ContainerConfig = {
	User?: string;
	ExposedPorts?: Record<string, Record<string, never>>;
	Env?: string[];
	Entrypoint?: string[];
	Cmd?: string[];
	Volumes?: Record<string, Record<string, never>>;
	WorkingDir?: string;
	Labels?: Record<string, string>;
	StopSignal?: string;
	ArgsEscaped?: boolean;
	Healthcheck?: HealthConfig;
	OnBuild?: string[];
	Shell?: string[];
};

export type History = {
	created?: string;
	author?: string;
	created_by?: string;
	comment?: string;
	empty_layer?: boolean;
};

export type RootFs = {
	type: 'layers';
	/** Digests of the uncompressed layer tars, base layer first. */
	diff_ids: Digest[];
};

export type ImageConfig = {
	created?: string;
	author?: string;
	architecture: string;
	os: string;
	'os.version'?: string;
	'os.features'?: string[];
	variant?: string;
	config?: ContainerConfig;
	rootfs: RootFs;
	history?: History[];
};

type Typed = {mediaType?: string; manifests?: unknown; config?: unknown; layers?: unknown};

/** True for an OCI index or a Docker manifest list, also when `mediaType` is absent (OCI allows that). */
export const isIndex = (document: Typed): document is Index =>
	document.mediaType === MediaType.ociIndex
	|| document.mediaType === MediaType.dockerManifestList
	|| (document.mediaType === undefined && Array.isArray(document.manifests));

/** True for an OCI or Docker schema2 image manifest. */
export const isManifest = (document: Typed): document is Manifest =>
	document.mediaType === MediaType.ociManifest
	|| document.mediaType === MediaType.dockerManifest
	|| (document.mediaType === undefined && typeof document.config === 'object' && Array.isArray(document.layers));

export type Compression = 'none' | 'gzip' | 'zstd';

/** How a layer blob is compressed, from its media type; undefined when it is not a layer. */
export const layerCompression = (mediaType: string): Compression | undefined => {
	if (mediaType === MediaType.dockerLayerGzip || mediaType === MediaType.dockerForeignLayerGzip) {
		return 'gzip';
	}

	// Also matches the nondistributable variants, deprecated by image-spec 1.1 but still found.
	const match = /^application\/vnd\.oci\.image\.layer\.(?:nondistributable\.)?v1\.tar(?:\+(gzip|zstd))?$/.exec(mediaType);
	if (!match) {
		return undefined;
	}

	return (match[1] as Compression | undefined) ?? 'none';
};

/** Node's process.arch spelled the way Go (and so every image index) spells GOARCH. */
export const goArch = (arch: string = process.arch): string => {
	switch (arch) {
		case 'x64': {
			return 'amd64';
		}

		case 'ia32': {
			return '386';
		}

		case 'ppc64': {
			return os.endianness() === 'LE' ? 'ppc64le' : 'ppc64';
		}

		case 'mipsel': {
			return 'mipsle';
		}

		default: {
			return arch;
		}
	}
};

/** Node reports the ARM version it was built for; images spell it v6, v7. */
const armVariant = (): string | undefined => {
	const version = (process.config.variables as {arm_version?: string}).arm_version;
	return version ? `v${version}` : undefined;
};

export const hostPlatform = (): Platform => {
	const architecture = goArch();
	const variant = architecture === 'arm' ? armVariant() : undefined;
	return {os: 'linux', architecture, ...(variant ? {variant} : {})};
};

/** Fills the variant each architecture implies when none is written, as containerd does. */
const normalVariant = (platform: Platform): string => {
	const variant = platform.variant ? platform.variant.replace(/^(\d)/, 'v$1') : '';
	if (variant) {
		return variant;
	}

	switch (platform.architecture) {
		case 'arm64': {
			return 'v8';
		}

		case 'arm': {
			return 'v7';
		}

		case 'amd64': {
			return 'v1';
		}

		default: {
			return '';
		}
	}
};

/**
 * The platforms a host runs, best first: its own, then the older variants of its architecture
 * (an arm/v7 host runs v6 and v5 images; an amd64/v3 host runs v2 and v1).
 */
const compatibleVariants = (host: Platform): string[] => {
	const own = normalVariant(host);
	const number = /^v(\d+)$/.exec(own);
	if (!number || host.architecture === 'arm64') {
		return [own];
	}

	const lowest = host.architecture === 'arm' ? 5 : 1;
	const variants = [];
	for (let n = Number(number[1]); n >= lowest; n--) {
		variants.push(`v${n}`);
	}

	return variants;
};

export const platformMatches = (platform: Platform | undefined, host: Platform = hostPlatform()): boolean =>
	platform !== undefined
	&& platform.os === host.os
	&& platform.architecture === host.architecture
	&& compatibleVariants(host).includes(normalVariant(platform));

/** The entry of an index to pull for `host`: the closest variant wins, then index order. */
export const selectManifest = (index: Index, host: Platform = hostPlatform()): Descriptor | undefined => {
	for (const variant of compatibleVariants(host)) {
		const found = index.manifests.find(entry => platformMatches(entry.platform, host) && normalVariant(entry.platform!) === variant);
		if (found) {
			return found;
		}
	}

	return undefined;
};
