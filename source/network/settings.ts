/**
 * The names berth's networking uses on the host, from the environment so that every test (and
 * any second installation) has its own bridge, subnet, nft table and iptables chains and never
 * touches a user's real setup.
 */
import {BerthError} from '../engine/errors.js';

export type NetworkNames = {
	/** The default network's bridge (BERTH_BRIDGE); user networks take its stem and a number. */
	bridge: string;
	/** The default network's subnet (BERTH_SUBNET). */
	subnet: string;
	/** nft table, family inet (BERTH_NFT_TABLE). */
	table: string;
	/** Prefix of the iptables chains (BERTH_IPTABLES_CHAIN). */
	chains: string;
	/** nft, iptables or none (BERTH_FIREWALL); unset picks what the host has. */
	firewall?: string;
};

const checked = (value: string, pattern: RegExp, what: string): string => {
	if (!pattern.test(value)) {
		throw new BerthError('INVALID_ARGUMENT', `invalid ${what} \`${value}\``);
	}

	return value;
};

export const networkNames = (env: NodeJS.ProcessEnv = process.env): NetworkNames => ({
	// Interface names have at most 15 bytes; two are kept for the numbers of user networks.
	bridge: checked(env.BERTH_BRIDGE ?? 'berth0', /^[a-zA-Z][\w.-]{0,12}$/, 'bridge name (BERTH_BRIDGE)'),
	subnet: env.BERTH_SUBNET ?? '10.88.0.0/16',
	table: checked(env.BERTH_NFT_TABLE ?? 'berth', /^[a-zA-Z][\w]{0,31}$/, 'nft table name (BERTH_NFT_TABLE)'),
	// iptables chain names have at most 28 bytes, and the longest suffix is -POSTROUTING.
	chains: checked(env.BERTH_IPTABLES_CHAIN ?? 'BERTH', /^[a-zA-Z][\w]{0,15}$/, 'iptables chain prefix (BERTH_IPTABLES_CHAIN)'),
	firewall: env.BERTH_FIREWALL || undefined,
});

/** The bridge of the Nth user network: the default bridge's name without its trailing digits, then N. */
export const userBridge = (names: NetworkNames, n: number): string => `${names.bridge.replace(/\d+$/, '')}${n}`;
