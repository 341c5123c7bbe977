/**
 * The nft driver: one table, `inet berth`, that berth owns wholly. Its chains are fixed and
 * rewritten whole (flush + add, in the same transaction) on every call; what changes lives in
 * sets and maps, so adding a network or a port is adding elements and removing them is deleting
 * them. Each call is one `nft -f` transaction.
 */
import type {Firewall, FirewallNames, NetworkRule, PortRule, Rules} from './firewall.js';
import {runOrFail} from './command.js';

const chains = (t: string): string[] => [
	`add table inet ${t}`,
	`add set inet ${t} bridges { type ifname; }`,
	`add set inet ${t} nets { type ipv4_addr; flags interval; }`,
	// Published on every local address / on one: proto . port (. address) -> container address . port.
	`add map inet ${t} ports { type inet_proto . inet_service : ipv4_addr . inet_service; }`,
	`add map inet ${t} addressed_ports { type ipv4_addr . inet_proto . inet_service : ipv4_addr . inet_service; }`,
	`add chain inet ${t} published`,
	`flush chain inet ${t} published`,
	`add rule inet ${t} published meta nfproto ipv4 dnat ip to ip daddr . meta l4proto . th dport map @addressed_ports`,
	`add rule inet ${t} published meta nfproto ipv4 dnat ip to meta l4proto . th dport map @ports`,
	// From other hosts and from containers (hairpin) ...
	`add chain inet ${t} prerouting { type nat hook prerouting priority dstnat; policy accept; }`,
	`flush chain inet ${t} prerouting`,
	`add rule inet ${t} prerouting fib daddr type local jump published`,
	// ... and from this host, 127.0.0.1 included.
	`add chain inet ${t} output { type nat hook output priority -100; policy accept; }`,
	`flush chain inet ${t} output`,
	`add rule inet ${t} output fib daddr type local jump published`,
	`add chain inet ${t} postrouting { type nat hook postrouting priority srcnat; policy accept; }`,
	`flush chain inet ${t} postrouting`,
	`add rule inet ${t} postrouting meta nfproto ipv4 ip saddr @nets oifname != @bridges masquerade`,
	// Localhost and hairpin connections come back through the bridge, so the container's reply does too.
	`add rule inet ${t} postrouting meta nfproto ipv4 ct status dnat oifname @bridges ip saddr 127.0.0.0/8 masquerade`,
	`add rule inet ${t} postrouting meta nfproto ipv4 ct status dnat oifname @bridges ip saddr @nets masquerade`,
];

const elements = (t: string, verb: 'add' | 'delete', {networks = [], ports = []}: Rules): string[] => [
	...networks.flatMap((network: NetworkRule) => [
		`${verb} element inet ${t} bridges { "${network.bridge}" }`,
		`${verb} element inet ${t} nets { ${network.subnet} }`,
	]),
	...ports.map((port: PortRule) => port.hostIp
		? `${verb} element inet ${t} addressed_ports { ${port.hostIp} . ${port.proto} . ${port.hostPort} : ${port.containerIp} . ${port.containerPort} }`
		: `${verb} element inet ${t} ports { ${port.proto} . ${port.hostPort} : ${port.containerIp} . ${port.containerPort} }`),
];

export const nftFirewall = ({table}: FirewallNames): Firewall => {
	const apply = async (what: string, lines: string[]) => {
		await runOrFail(what, ['nft', '-f', '-'], {input: `${lines.join('\n')}\n`});
	};

	return {
		name: 'nft',
		publishes: true,
		async add(rules) {
			// The chains come with a network; a port is only ever added beside one.
			const lines = [...(rules.networks ?? []).length > 0 ? chains(table) : [], ...elements(table, 'add', rules)];
			if (lines.length > 0) {
				await apply(`add rules to nft table \`inet ${table}\``, lines);
			}
		},
		async remove(rules) {
			// The chains, then adding first, make the delete harmless when the table or the element is gone.
			const added = elements(table, 'add', rules);
			if (added.length > 0) {
				await apply(`remove rules from nft table \`inet ${table}\``, [...chains(table), ...added, ...elements(table, 'delete', rules)]);
			}
		},
		async clear() {
			await apply(`delete nft table \`inet ${table}\``, [`add table inet ${table}`, `delete table inet ${table}`]);
		},
	};
};
