import type {Command} from 'commander';
import {parseImageFilters} from '../image/filter.js';
import {familiarName, parseReference} from '../image/reference.js';
import type {Image} from '../image/store.js';
import {shortId} from '../runtime/names.js';
import {collect, getEngine} from './context.js';
import {ago, humanSize, table} from './format.js';
import {formatAll} from './template.js';

type Flags = {all?: boolean; quiet?: boolean; trunc?: boolean; digests?: boolean; format?: string; filter?: string[]};

type Names = Map<string, string[]>;

/** Tags, or digests, grouped by the familiar repository name they belong to. */
const byRepository = (references: string[], part: 'tag' | 'digest'): Names => {
	const names: Names = new Map();
	for (const reference of references) {
		const parsed = parseReference(reference);
		const value = parsed[part];
		if (value !== undefined) {
			const repository = familiarName(parsed);
			names.set(repository, [...names.get(repository) ?? [], value]);
		}
	}

	return names;
};

/**
 * The rows of one image, as `docker images` makes them: one per tag, each with the digests of
 * its own repository when they are shown; a repository the image has only digests in is one
 * row with tag <none>; an image with no name at all is <none>:<none>.
 */
const rows = (image: Image, truncate: boolean, digests: boolean) => {
	const base = {
		ID: truncate ? shortId(image.id) : image.id,
		CreatedSince: image.created ? ago(image.created) : 'N/A',
		CreatedAt: image.created ?? '',
		Size: humanSize(image.size),
	};
	const row = (repository: string, tag: string, digest: string) => ({...base, Repository: repository, Tag: tag, Digest: digest});
	if (image.references.length === 0) {
		return [row('<none>', '<none>', '<none>')];
	}

	const tags = byRepository(image.references, 'tag');
	const repositoryDigests = byRepository(image.references, 'digest');
	const made = [];
	for (const [repository, names] of tags) {
		const shown = digests ? repositoryDigests.get(repository) ?? ['<none>'] : ['<none>'];
		made.push(...names.flatMap(tag => shown.map(digest => row(repository, tag, digest))));
	}

	for (const [repository, names] of repositoryDigests) {
		if (!tags.has(repository)) {
			made.push(...(digests ? names : ['<none>']).map(digest => row(repository, '<none>', digest)));
		}
	}

	return made;
};

export const defineImages = (program: Command, name = 'images'): void => {
	program.command(name)
		.description('List images')
		.argument('[repository]', 'only images of this repository (REPOSITORY[:TAG], a pattern as --filter reference= takes)')
		.option('-a, --all', 'show intermediate images too (berth keeps none apart)')
		.option('-q, --quiet', 'only show image ids')
		.option('--no-trunc', 'do not truncate output')
		.option('--digests', 'show digests')
		.option('-f, --filter <filter>', 'dangling=true|false, reference=PATTERN, before=IMAGE, since=IMAGE, label=KEY[=VALUE]', collect)
		.option('--format <template>', 'format the output with a Go template')
		.action(async (repository: string | undefined, flags: Flags) => {
			const truncate = flags.trunc !== false;
			// As Docker: `images REPOSITORY` is one more reference filter.
			const filters = parseImageFilters([...flags.filter ?? [], ...repository === undefined ? [] : [`reference=${repository}`]]);
			const digests = flags.digests === true || (flags.format?.includes('.Digest') ?? false);
			const all = (await getEngine().images.listFiltered(filters)).flatMap(image => rows(image, truncate, digests));
			if (flags.quiet) {
				process.stdout.write([...new Set(all.map(row => row.ID))].map(id => `${id}\n`).join(''));
			} else if (flags.format) {
				process.stdout.write(formatAll(flags.format, all, {ID: 'IMAGE ID', CreatedSince: 'CREATED'}));
			} else {
				const header = ['REPOSITORY', 'TAG', ...flags.digests ? ['DIGEST'] : [], 'IMAGE ID', 'CREATED', 'SIZE'];
				process.stdout.write(table(header, all.map(row =>
					[row.Repository, row.Tag, ...flags.digests ? [row.Digest] : [], row.ID, row.CreatedSince, row.Size])));
			}
		});
};
