import type {Command} from 'commander';
import {getEngine, print} from './context.js';

export const defineLogout = (program: Command): void => {
	program.command('logout')
		.description('Forget the credentials berth keeps for a registry')
		.argument('[server]', 'the registry (default docker.io)')
		.action(async (server: string | undefined) => {
			const {domain, removed} = await getEngine().registry.logout(server);
			print(removed ? `Removing login credentials for ${domain}` : `Not logged in to ${domain}`);
		});
};
