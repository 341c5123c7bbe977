import type {Command} from 'commander';
import type {Container} from '../runtime/container.js';
import {BerthError} from '../engine/errors.js';
import {shortId} from '../runtime/names.js';
import {portsText, type PortMapping} from '../network/ports.js';
import {collect, getEngine} from './context.js';
import {ago, commandText, statusText, table} from './format.js';
import {formatAll} from './template.js';

type Flags = {all?: boolean; quiet?: boolean; /** false with --no-trunc (commander's negated option) */ trunc: boolean; filter?: string[]; format?: string; latest?: boolean};

/** Docker's status filter values map onto berth's states; "exited" and "created" as they are. */
const matches = (container: Container, filter: string): boolean => {
	const [key, value = ''] = filter.split(/=(.*)/s);
	switch (key) {
		case 'status': {
			return container.State.Status === value;
		}

		case 'name': {
			return new RegExp(value).test(container.Name.slice(1));
		}

		case 'id': {
			return container.Id.startsWith(value);
		}

		case 'ancestor': {
			return container.ImageName === value || container.Image.replace('sha256:', '').startsWith(value.replace('sha256:', ''));
		}

		case 'exited': {
			return container.State.Status === 'exited' && container.State.ExitCode === Number(value);
		}

		case 'label': {
			const [label, wanted] = value.split(/=(.*)/s);
			return label! in container.Config.Labels && (wanted === undefined || container.Config.Labels[label!] === wanted);
		}

		default: {
			throw new BerthError('INVALID_ARGUMENT', `invalid filter \`${filter}\``);
		}
	}
};

/** The fields `--format` templates see, named as in `docker ps`. */
const row = (container: Container, truncate: boolean, ports: PortMapping[] = []) => ({
	ID: truncate ? shortId(container.Id) : container.Id,
	Image: container.ImageName,
	Command: commandText(container, truncate),
	CreatedAt: container.Created,
	RunningFor: ago(container.Created),
	Status: statusText(container),
	State: container.State.Status,
	Ports: container.State.Running ? portsText(ports) : '',
	Names: container.Name.slice(1),
	Labels: Object.entries(container.Config.Labels).map(([key, value]) => `${key}=${value}`).join(','),
	Mounts: container.Mounts.map(mount => mount.Destination).join(','),
});

export const definePs = (program: Command): void => {
	program.command('ps')
		.description('List containers')
		.option('-a, --all', 'show all containers (default shows just running)')
		.option('-q, --quiet', 'only display container ids')
		.option('--no-trunc', 'do not truncate output')
		.option('-f, --filter <key=value>', 'filter by status, name, id, ancestor, exited, label', collect)
		.option('--format <template>', 'format the output with a Go template')
		.option('-l, --latest', 'show the latest created container')
		.action(async (flags: Flags) => {
			const all = flags.all ?? Boolean(flags.filter?.length || flags.latest);
			let containers = (await getEngine().containers.list({all}))
				.filter(container => (flags.filter ?? []).every(filter => matches(container, filter)));
			if (flags.latest) {
				containers = containers.slice(0, 1);
			}

			const truncate = flags.trunc;
			const published = await getEngine().networks.published();
			const rows = containers.map(container => row(container, truncate, published.get(container.Id)));
			if (flags.quiet) {
				process.stdout.write(rows.map(item => `${item.ID}\n`).join(''));
			} else if (flags.format) {
				process.stdout.write(formatAll(flags.format, rows, {ID: 'CONTAINER ID', RunningFor: 'CREATED'}));
			} else {
				process.stdout.write(table(
					['CONTAINER ID', 'IMAGE', 'COMMAND', 'CREATED', 'STATUS', 'PORTS', 'NAMES'],
					rows.map(item => [item.ID, item.Image, item.Command, item.RunningFor, item.Status, item.Ports, item.Names]),
				));
			}
		});
};
