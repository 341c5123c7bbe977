/**
 * Image references, parsed and normalised as Docker does (github.com/distribution/reference):
 * `busybox` is docker.io/library/busybox:latest, `user/app:1` is docker.io/user/app:1, and the
 * first path component is a registry only when it has a dot or a port, is `localhost`, or has
 * uppercase letters (which a repository path never has).
 */
import {BerthError} from '../engine/errors.js';
import type {Digest} from '../storage/blobs.js';

export type Reference = {
	/** Registry host with optional port: docker.io, localhost:5000, [::1]:5000. */
	domain: string;
	/** Repository path inside the registry: library/busybox. */
	path: string;
	tag?: string;
	digest?: Digest;
};

const defaultDomain = 'docker.io';
/** Other names of Docker Hub: the v1 index and the v2 registry host. */
const hubAliases = new Set(['index.docker.io', 'registry-1.docker.io']);
const officialPrefix = 'library/';
const defaultTag = 'latest';
const maxPathLength = 255;

// The grammar of distribution/reference regexp.go, piece by piece.
const alphanumeric = '[a-z0-9]+';
const separator = '(?:[._]|__|[-]+)';
const pathComponent = `${alphanumeric}(?:${separator}${alphanumeric})*`;
const remoteName = `${pathComponent}(?:/${pathComponent})*`;
const domainComponent = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const domainName = `${domainComponent}(?:\\.${domainComponent})*`;
const ipv6 = '\\[(?:[a-fA-F0-9:]+)\\]';
const domainAndPort = `(?:${domainName}|${ipv6})(?::[0-9]+)?`;
const tagPattern = '[\\w][\\w.-]{0,127}';
const digestPattern = '[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}';

const referenceRegexp = new RegExp(`^((?:${domainAndPort}/)?${remoteName})(?::(${tagPattern}))?(?:@(${digestPattern}))?$`);
const nameRegexp = new RegExp(`^(?:(${domainAndPort})/)?(${remoteName})$`);
const identifierRegexp = /^[a-f\d]{64}$/;

const invalid = (input: string, why?: string): BerthError =>
	new BerthError('INVALID_REFERENCE', `invalid reference format: \`${input}\`${why ? `: ${why}` : ''}`);

/** Splits off the registry the way Docker guesses it; Docker Hub names get `library/`. */
const splitDomain = (name: string): [string, string] => {
	const slash = name.indexOf('/');
	let domain = defaultDomain;
	let remainder = name;
	if (slash !== -1) {
		const first = name.slice(0, slash);
		if (first === 'localhost' || /[.:]/.test(first) || first.toLowerCase() !== first) {
			domain = hubAliases.has(first) ? defaultDomain : first;
			remainder = name.slice(slash + 1);
		}
	}

	if (domain === defaultDomain && !remainder.includes('/')) {
		remainder = officialPrefix + remainder;
	}

	return [domain, remainder];
};

/** go-digest's checks: the algorithm must be known and the hex of its exact length, lowercase. */
const checkDigest = (input: string, digest: string): Digest => {
	const [algorithm, hex] = digest.split(':') as [string, string];
	if (algorithm !== 'sha256') {
		throw invalid(input, `unsupported digest algorithm \`${algorithm}\``);
	}

	if (!identifierRegexp.test(hex)) {
		throw invalid(input, 'invalid checksum digest length or format');
	}

	return digest as Digest;
};

/**
 * Parses a reference as the user typed it (ParseNormalizedNamed): fills in the registry and
 * `library/`, keeps the tag and the digest as given, adds no default tag.
 */
export const parseReference = (input: string): Reference => {
	if (input === '') {
		throw new BerthError('INVALID_REFERENCE', 'invalid reference format: repository name must have at least one component');
	}

	if (identifierRegexp.test(input)) {
		throw new BerthError('INVALID_REFERENCE', `invalid repository name \`${input}\`: cannot specify 64-byte hexadecimal strings`);
	}

	const [domain, remainder] = splitDomain(input);
	const repository = remainder.split(':', 1)[0]!;
	if (repository.toLowerCase() !== repository) {
		throw invalid(input, 'repository name must be lowercase');
	}

	const full = `${domain}/${remainder}`;
	const match = referenceRegexp.exec(full);
	if (!match) {
		throw invalid(input);
	}

	const [, domainPart, path] = nameRegexp.exec(match[1]!)!;
	if (path!.length > maxPathLength) {
		throw invalid(input, `repository name must not be more than ${maxPathLength} characters`);
	}

	return {
		domain: domainPart!,
		path: path!,
		...(match[2] ? {tag: match[2]} : {}),
		...(match[3] ? {digest: checkDigest(input, match[3])} : {}),
	};
};

/**
 * Parses and completes a reference the way Docker stores it (ParseDockerRef): `latest` when
 * there is neither tag nor digest; only the digest when there are both, since it alone decides.
 */
export const normalizeReference = (input: string): Reference => {
	const reference = parseReference(input);
	if (reference.digest) {
		const {tag, ...digested} = reference;
		return digested;
	}

	return {...reference, tag: reference.tag ?? defaultTag};
};

/** The repository name with its registry: docker.io/library/busybox. */
export const repositoryName = (reference: Reference): string => `${reference.domain}/${reference.path}`;

/** The full form, used as the key of images.json: docker.io/library/busybox:latest. */
export const formatReference = (reference: Reference): string =>
	repositoryName(reference)
	+ (reference.tag ? `:${reference.tag}` : '')
	+ (reference.digest ? `@${reference.digest}` : '');

/** The short repository name Docker prints: busybox, user/app, localhost:5000/x. */
export const familiarName = (reference: Reference): string => {
	if (reference.domain !== defaultDomain) {
		return repositoryName(reference);
	}

	const rest = reference.path.startsWith(officialPrefix) ? reference.path.slice(officialPrefix.length) : '';
	// library/foo/bar stays as it is: only single-component official names are shortened.
	return rest && !rest.includes('/') ? rest : reference.path;
};

/** The short form Docker prints: busybox:latest, localhost:5000/x:tag, busybox@sha256:… */
export const familiar = (reference: Reference | string): string => {
	const parsed = typeof reference === 'string' ? parseReference(reference) : reference;
	return familiarName(parsed)
		+ (parsed.tag ? `:${parsed.tag}` : '')
		+ (parsed.digest ? `@${parsed.digest}` : '');
};
