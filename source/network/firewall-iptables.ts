/**
 * The iptables driver, for hosts without nft: berth's rules live in its own chains (PREFIX-DNAT
 * and PREFIX-POSTROUTING in nat, PREFIX-FORWARD in filter), reached by one jump from each
 * built-in chain. A rule is a value; it is checked (-C) before it is added or deleted, as
 * moby's iptables package does, so every call can be repeated.
 */
import type {Firewall, FirewallNames, NetworkRule, PortRule, Rules} from './firewall.js';
import {runOrFail, runTool} from './command.js';

type Rule = {table: 'nat' | 'filter'; chain: string; args: string[]; first?: boolean};

const iptables = (table: string, ...args: string[]) => ['iptables', '-w', '-t', table, ...args];

const exists = async (rule: Rule): Promise<boolean> =>
	runTool(iptables(rule.table, '-C', rule.chain, ...rule.args)).then(() => true, () => false);

const addRule = async (rule: Rule): Promise<void> => {
	if (!await exists(rule)) {
		await runOrFail(`add iptables rule \`${rule.args.join(' ')}\``, iptables(rule.table, rule.first ? '-I' : '-A', rule.chain, ...rule.args));
	}
};

const deleteRule = async (rule: Rule): Promise<void> => {
	while (await exists(rule)) {
		await runOrFail(`delete iptables rule \`${rule.args.join(' ')}\``, iptables(rule.table, '-D', rule.chain, ...rule.args));
	}
};

export const iptablesFirewall = ({chains: prefix}: FirewallNames): Firewall => {
	const dnat = `${prefix}-DNAT`;
	const postrouting = `${prefix}-POSTROUTING`;
	const forward = `${prefix}-FORWARD`;
	const own: Array<[Rule['table'], string]> = [['nat', dnat], ['nat', postrouting], ['filter', forward]];
	const local = ['-m', 'addrtype', '--dst-type', 'LOCAL', '-j', dnat];
	const jumps: Rule[] = [
		{table: 'nat', chain: 'PREROUTING', args: local},
		{table: 'nat', chain: 'OUTPUT', args: local},
		{table: 'nat', chain: 'POSTROUTING', args: ['-j', postrouting]},
		// First, so that a DROP policy or rule another program added does not stop containers.
		{table: 'filter', chain: 'FORWARD', args: ['-j', forward], first: true},
	];
	const networkRules = ({bridge, subnet}: NetworkRule): Rule[] => [
		{table: 'nat', chain: postrouting, args: ['-s', subnet, '!', '-o', bridge, '-j', 'MASQUERADE']},
		{table: 'nat', chain: postrouting, args: ['-s', '127.0.0.0/8', '-o', bridge, '-m', 'conntrack', '--ctstate', 'DNAT', '-j', 'MASQUERADE']},
		{table: 'nat', chain: postrouting, args: ['-s', subnet, '-o', bridge, '-m', 'conntrack', '--ctstate', 'DNAT', '-j', 'MASQUERADE']},
		{table: 'filter', chain: forward, args: ['-i', bridge, '-j', 'ACCEPT']},
		{table: 'filter', chain: forward, args: ['-o', bridge, '-m', 'conntrack', '--ctstate', 'RELATED,ESTABLISHED', '-j', 'ACCEPT']},
		{table: 'filter', chain: forward, args: ['-o', bridge, '-m', 'conntrack', '--ctstate', 'DNAT', '-j', 'ACCEPT']},
	];
	const portRule = (port: PortRule): Rule => ({table: 'nat', chain: dnat, args: [
		'-p', port.proto, ...port.hostIp ? ['-d', `${port.hostIp}/32`] : [], '-m', port.proto, '--dport', String(port.hostPort),
		'-j', 'DNAT', '--to-destination', `${port.containerIp}:${port.containerPort}`,
	]});
	const rulesOf = ({networks = [], ports = []}: Rules): Rule[] => [...networks.flatMap(networkRules), ...ports.map(portRule)];

	return {
		name: 'iptables',
		publishes: true,
		async add(rules) {
			// The chains and jumps come with the first network; ports are only ever added to one.
			if ((rules.networks ?? []).length > 0) {
				for (const [table, chain] of own) {
					await runOrFail(`create iptables chain \`${chain}\``, iptables(table, '-N', chain), {harmless: /exists/i});
				}

				for (const jump of jumps) {
					await addRule(jump);
				}
			}

			for (const rule of rulesOf(rules)) {
				await addRule(rule);
			}
		},
		async remove(rules) {
			for (const rule of rulesOf(rules)) {
				await deleteRule(rule);
			}
		},
		async clear() {
			for (const jump of jumps) {
				await deleteRule(jump);
			}

			for (const [table, chain] of own) {
				for (const flag of ['-F', '-X']) {
					await runOrFail(`delete iptables chain \`${chain}\``, iptables(table, flag, chain), {harmless: /no chain|does not exist/i});
				}
			}
		},
	};
};
