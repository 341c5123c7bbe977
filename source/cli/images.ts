import type {Command} from 'commander';
import {familiarName, parseReference, type Reference} from '../image/reference.js';
import type {Image} from '../image/store.js';
import {shortId} from '../runtime/names.js';
import {getEngine} from './context.js';
import {ago, humanSize, table} from './format.js';
import {formatAll} from './template.js';

type Flags = {all?: boolean; quiet?: boolean; trunc?: boolean; digests?: boolean; format?: string};

/** One row per tag, as `docker images` lists them; an untagged image is <none>:<none>. */
const rows = (image: Image, truncate: boolean) => {
	const tags = image.references.filter(reference => !reference.includes('@'));
	const digest = image.references.find(reference => reference.includes('@'))?.split('@')[1] ?? '<none>';
	const base = {
		ID: truncate ? shortId(image.id) : image.id,
		Digest: digest,
		CreatedSince: image.created ? ago(image.created) : 'N/A',
		CreatedAt: image.created ?? '',
		Size: humanSize(image.size),
	};
	if (tags.length === 0) {
		return [{...base, Repository: '<none>', Tag: '<none>'}];
	}

	return tags.map(reference => {
		const parsed = parseReference(reference);
		return {...base, Repository: familiarName(parsed), Tag: parsed.tag ?? '<none>'};
	});
};

/** `images busybox` lists every tag of the repository, `images busybox:1` that tag only. */
const matches = (row: {Repository: string; Tag: string}, wanted: Reference): boolean =>
	row.Repository === familiarName(wanted) && (wanted.tag === undefined || row.Tag === wanted.tag);

export const defineImages = (program: Command, name = 'images'): void => {
	program.command(name)
		.description('List images')
		.argument('[repository]', 'only images of this repository (REPOSITORY[:TAG])')
		.option('-a, --all', 'show intermediate images too (berth keeps none apart)')
		.option('-q, --quiet', 'only show image ids')
		.option('--no-trunc', 'do not truncate output')
		.option('--digests', 'show digests')
		.option('--format <template>', 'format the output with a Go template')
		.action(async (repository: string | undefined, flags: Flags) => {
			const truncate = flags.trunc !== false;
			const images = await getEngine().images.list();
			const all = images
				.sort((a, b) => (b.created ?? '').localeCompare(a.created ?? ''))
				.flatMap(image => rows(image, truncate))
				.filter(row => repository === undefined || matches(row, parseReference(repository)));
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
