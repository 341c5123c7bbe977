/** What the lists show of each container and image, as cells of text. */
import {binarySize, humanSize, statusText, ago} from '../cli/format.js';
import {familiar} from '../image/reference.js';
import type {Image} from '../image/store.js';
import type {Container} from '../runtime/container.js';
import {shortId} from '../runtime/names.js';
import type {Column} from './components/table-list.js';
import type {Sample} from './hooks/use-container-stats.js';

export const containerColumns = (width: number): Column[] => [
	{header: 'NAME', width: 0},
	{header: 'IMAGE', width: 0},
	{header: 'STATUS', width: width >= 100 ? 24 : 17},
	...width >= 100 ? [{header: 'PORTS', width: 0}] : [],
	{header: 'CPU %', width: 6, align: 'right' as const},
	{header: 'MEM', width: 9, align: 'right' as const},
];

/** Docker's PORTS column: `0.0.0.0:8080->80/tcp`. */
export const portsText = (container: Container): string => Object.entries(container.HostConfig.PortBindings ?? {})
	.flatMap(([port, bindings]) => (bindings ?? []).map(binding => `${binding.HostIp || '0.0.0.0'}:${binding.HostPort}->${port}`))
	.join(', ');

export const containerName = (container: Container): string => container.Name.replace(/^\//, '');

export const containerRow = (container: Container, sample: Sample | undefined, wide: boolean, now = Date.now()): string[] => [
	containerName(container),
	container.ImageName || shortId(container.Image),
	statusText(container, now).replace(/ ago$/, ''),
	...wide ? [portsText(container)] : [],
	sample ? sample.cpuPercent.toFixed(1) : '',
	sample ? binarySize(sample.memory) : '',
];

export const imageColumns = (width: number): Column[] => [
	{header: 'REPOSITORY:TAG', width: 0},
	{header: 'IMAGE ID', width: 12},
	{header: 'SIZE', width: 8, align: 'right' as const},
	{header: 'CREATED', width: width >= 100 ? 16 : 12},
];

/** A stored reference as users write it (docker.io/library/ left out); as stored if it does not parse. */
const shortName = (reference: string): string => {
	try {
		return familiar(reference);
	} catch {
		return reference;
	}
};

/** The image's names as users write them; an untagged image is <none>:<none>. */
export const imageName = (image: Image): string => {
	const tags = image.references.filter(reference => !reference.includes('@')).map(reference => shortName(reference));
	return tags.length === 0 ? '<none>:<none>' : tags.length === 1 ? tags[0]! : `${tags[0]} (+${tags.length - 1})`;
};

export const imageRow = (image: Image, now = Date.now()): string[] => [
	imageName(image),
	shortId(image.id),
	humanSize(image.size),
	image.created ? ago(image.created, now) : 'N/A',
];
