/** `berth network ...`: create, ls, rm, inspect, connect, disconnect. */
import type {Command} from 'commander';
import {shortId} from '../runtime/names.js';
import {getEngine, print} from './context.js';
import {table} from './format.js';
import {formatAll} from './template.js';

export const defineNetwork = (program: Command): void => {
	const group = program.command('network').description('Manage networks (create, ls, rm, inspect, connect, disconnect)');
	group.command('create')
		.description('Create a bridge network')
		.argument('<name>')
		.option('--subnet <cidr>', 'IPv4 subnet, e.g. 10.89.5.0/24 (default: a free /24 of 10.89.0.0/16)')
		.option('-d, --driver <driver>', 'network driver (only bridge)', 'bridge')
		.action(async (name: string, flags: {subnet?: string}) => {
			print((await getEngine().networks.create(name, flags)).Id);
		});
	group.command('ls')
		.alias('list')
		.description('List networks')
		.option('-q, --quiet', 'only display network ids')
		.option('--no-trunc', 'do not truncate output')
		.option('--format <template>', 'format the output with a Go template')
		.action(async (flags: {quiet?: boolean; trunc?: boolean; format?: string}) => {
			const rows = (await getEngine().networks.list()).map(network => ({
				ID: flags.trunc === false ? network.Id : shortId(network.Id), Name: network.Name, Driver: network.Driver, Scope: 'local',
				Subnet: network.Subnet, Bridge: network.Bridge,
			}));
			if (flags.quiet) {
				process.stdout.write(rows.map(row => `${row.ID}\n`).join(''));
			} else if (flags.format) {
				process.stdout.write(formatAll(flags.format, rows, {ID: 'NETWORK ID'}));
			} else {
				process.stdout.write(table(['NETWORK ID', 'NAME', 'DRIVER', 'SCOPE'], rows.map(row => [row.ID, row.Name, row.Driver, row.Scope])));
			}
		});
	group.command('rm')
		.alias('remove')
		.description('Remove networks that no running container uses')
		.argument('<network...>')
		.action(async (references: string[]) => {
			for (const reference of references) {
				await getEngine().networks.remove(reference);
				print(reference);
			}
		});
	group.command('inspect')
		.description('Show networks as JSON')
		.argument('<network...>')
		.option('-f, --format <template>', 'format the output with a Go template')
		.action(async (references: string[], flags: {format?: string}) => {
			const networks = [];
			for (const reference of references) {
				networks.push(await getEngine().networks.inspect(reference));
			}

			process.stdout.write(flags.format ? formatAll(flags.format, networks) : `${JSON.stringify(networks, null, 4)}\n`);
		});
	for (const [name, description] of [
		['connect', 'Connect a running container to one more network'],
		['disconnect', 'Disconnect a running container from a network it was connected to'],
	] as const) {
		group.command(name)
			.description(description)
			.argument('<network>')
			.argument('<container>')
			.action(async (network: string, container: string) => {
				await getEngine().networks[name](network, container);
			});
	}
};
