/**
 * Firewall drivers: the NAT and forwarding rules of berth's networks and published ports, each
 * kept wholly in berth's own table (nft) or chains (iptables); berth never touches a rule it
 * did not make. Lifecycle, driven by the engine under the network lock:
 *
 *   add({networks})     the first container joins a network: masquerade what leaves its subnet,
 *                       let it forward, and NAT localhost and hairpin traffic to its containers
 *   add({ports})        a container starts with published ports: DNAT host ports to it
 *   remove({ports})     the container stops; remove({networks}) when it was the network's last
 *   clear()             no container is left on any network: the table or chains go entirely
 *
 * Rules are data: every call is idempotent, so a teardown interrupted by a crash is simply run
 * again. One suite (test/integration/network-firewall.test.ts) runs every implementation.
 */
import {BerthError} from '../engine/errors.js';
import {findProgram} from './command.js';
import type {Protocol} from './ports.js';

export type NetworkRule = {bridge: string; subnet: string};

/** A published port; `hostIp` "" is every local address. */
export type PortRule = {proto: Protocol; hostIp: string; hostPort: number; containerIp: string; containerPort: number};

export type Rules = {networks?: NetworkRule[]; ports?: PortRule[]};

export type Firewall = {
	readonly name: 'nft' | 'iptables' | 'none';
	/** Whether published ports work with this driver. */
	readonly publishes: boolean;
	add(rules: Rules): Promise<void>;
	remove(rules: Rules): Promise<void>;
	clear(): Promise<void>;
};

export type FirewallNames = {
	/** The nft table (family inet). */
	table: string;
	/** The prefix of the iptables chains. */
	chains: string;
};

export type FirewallFactory = (names: FirewallNames) => Firewall;

/** The driver asked for (BERTH_FIREWALL), else nft where `nft` is installed, iptables where that is, else none. */
export const chooseFirewall = (drivers: Record<Firewall['name'], FirewallFactory>, names: FirewallNames, wanted?: string): Firewall => {
	if (wanted) {
		if (!(wanted in drivers)) {
			throw new BerthError('INVALID_ARGUMENT', `unknown firewall driver \`${wanted}\`: nft, iptables or none`);
		}

		return drivers[wanted as Firewall['name']](names);
	}

	const found = (['nft', 'iptables'] as const).find(name => findProgram(name));
	return drivers[found ?? 'none'](names);
};
