/** IPv4 addresses and subnets as numbers, so that containment and overlap are arithmetic. */
import {BerthError} from '../engine/errors.js';

export type Subnet = {
	/** The first address, as an unsigned 32-bit number. */
	base: number;
	prefix: number;
};

export const parseAddress = (text: string): number | undefined => {
	const parts = text.split('.');
	if (parts.length !== 4 || !parts.every(part => /^\d{1,3}$/.test(part) && Number(part) <= 255)) {
		return undefined;
	}

	return parts.reduce((value, part) => (value * 256) + Number(part), 0);
};

export const formatAddress = (value: number): string =>
	[24, 16, 8, 0].map(shift => Math.floor(value / (2 ** shift)) % 256).join('.');

const size = (subnet: Subnet): number => 2 ** (32 - subnet.prefix);

/** `10.88.0.0/16`; host bits must be zero, and the subnet must hold a gateway and a container. */
export const parseSubnet = (text: string): Subnet => {
	const [address = '', prefixText = ''] = text.split('/');
	const base = parseAddress(address);
	const prefix = Number(prefixText);
	if (base === undefined || !/^\d{1,2}$/.test(prefixText) || prefix < 8 || prefix > 30) {
		throw new BerthError('INVALID_ARGUMENT', `invalid subnet \`${text}\`: give an IPv4 network with a prefix from /8 to /30`);
	}

	if (base % size({base, prefix}) !== 0) {
		throw new BerthError('INVALID_ARGUMENT', `invalid subnet \`${text}\`: the address has host bits set`);
	}

	return {base, prefix};
};

export const formatSubnet = (subnet: Subnet): string => `${formatAddress(subnet.base)}/${subnet.prefix}`;

export const overlaps = (a: Subnet, b: Subnet): boolean =>
	a.base < b.base + size(b) && b.base < a.base + size(a);

export const contains = (subnet: Subnet, address: number): boolean =>
	address >= subnet.base && address < subnet.base + size(subnet);

/** The gateway is the subnet's first host address, as Docker and podman make it. */
export const gatewayOf = (subnet: Subnet): number => subnet.base + 1;

/** The lowest host address that is neither the gateway nor taken; undefined when the subnet is full. */
export const freeAddress = (subnet: Subnet, taken: ReadonlySet<string>): string | undefined => {
	const broadcast = subnet.base + size(subnet) - 1;
	for (let address = gatewayOf(subnet) + 1; address < broadcast; address++) {
		const text = formatAddress(address);
		if (!taken.has(text)) {
			return text;
		}
	}

	return undefined;
};

/** A fixed MAC for an address (as Docker derives it), so a reused address never meets a stale neighbour entry. */
export const macOf = (address: string): string =>
	['02', '42', ...address.split('.').map(part => Number(part).toString(16).padStart(2, '0'))].join(':');
