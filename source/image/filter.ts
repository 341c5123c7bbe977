/**
 * `images --filter`, read as Docker reads it: `dangling=true|false`, `reference=PATTERN`,
 * `before=IMAGE`, `since=IMAGE`, `label=KEY` or `label=KEY=VALUE`. Filters on different keys
 * must all hold; several `reference` patterns are alternatives, several labels must all be
 * there. A reference pattern is a glob (`*` stops at `/`, as Go's path.Match) over the
 * familiar name with its tag or digest, or over the name alone: `busybox`, `busybox:1.*`,
 * `localhost:5000/*`.
 */
import {BerthError} from '../engine/errors.js';
import {globRegExp} from './glob.js';
import {familiar, familiarName, parseReference} from './reference.js';

export type ImageFilters = {
	/** true: images without a tag; false: images with any name, a digest reference included. */
	dangling?: boolean;
	/** Glob patterns; an image is listed with the names that match one of them. */
	references: string[];
	/** Only images created before (or since) this one, which the caller resolves. */
	before?: string;
	since?: string;
	labels: Array<{key: string; value?: string}>;
};

const invalid = (spec: string, why: string) => new BerthError('INVALID_ARGUMENT', `invalid filter \`${spec}\`: ${why}`);

/** Parses `--filter` values (KEY=VALUE each). */
export const parseImageFilters = (specs: readonly string[]): ImageFilters => {
	const filters: ImageFilters = {references: [], labels: []};
	for (const spec of specs) {
		const equals = spec.indexOf('=');
		if (equals <= 0) {
			throw invalid(spec, 'KEY=VALUE expected');
		}

		const key = spec.slice(0, equals).trim().toLowerCase();
		const value = spec.slice(equals + 1);
		switch (key) {
			case 'dangling': {
				if (!['true', 'false', '1', '0'].includes(value.toLowerCase())) {
					throw invalid(spec, 'dangling is true or false');
				}

				filters.dangling = value.toLowerCase() === 'true' || value === '1';
				break;
			}

			case 'reference': {
				filters.references.push(value);
				break;
			}

			case 'before':
			case 'since': {
				filters[key] = value;
				break;
			}

			case 'label': {
				const [labelKey, ...rest] = value.split('=');
				filters.labels.push(rest.length > 0 ? {key: labelKey!, value: rest.join('=')} : {key: labelKey!});
				break;
			}

			default: {
				throw invalid(spec, 'the filters are dangling, reference, before, since and label');
			}
		}
	}

	return filters;
};

/** Whether a full reference (as images.json keys it) matches the pattern, as Docker's FamiliarMatch. */
export const referenceMatches = (pattern: string, reference: string): boolean => {
	const regexp = globRegExp(pattern);
	return regexp.test(familiar(reference)) || regexp.test(familiarName(parseReference(reference)));
};

/** Whether an image's labels hold every `label` filter. */
export const labelsMatch = (filters: ImageFilters, labels: Record<string, string> | undefined): boolean =>
	filters.labels.every(({key, value}) => labels !== undefined && Object.hasOwn(labels, key) && (value === undefined || labels[key] === value));
