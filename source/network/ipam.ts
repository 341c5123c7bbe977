/**
 * Choosing subnets for new networks. Addresses within a network are leased from its subnet
 * (cidr.freeAddress) against the attachments the store records.
 */
import fs from 'node:fs';
import {BerthError} from '../engine/errors.js';
import {overlaps, type Subnet} from './cidr.js';

/** /proc/net/route holds addresses as little-endian hex. */
const fromHex = (hex: string): number => Number.parseInt(hex.match(/../g)!.reverse().join(''), 16);

/** The subnets the host routes to (default routes aside): a new network must not shadow them. */
export const hostSubnets = (file = '/proc/net/route'): Subnet[] => {
	let text = '';
	try {
		text = fs.readFileSync(file, 'utf8');
	} catch {}

	return text.split('\n').slice(1).map(line => line.trim().split(/\s+/)).filter(fields => fields.length >= 8)
		.map(([, destination, , , , , , mask]) => ({base: fromHex(destination!), prefix: fromHex(mask!).toString(2).replaceAll('0', '').length}))
		.filter(subnet => subnet.prefix > 0);
};

/** The first /24 of 10.89.0.0/16 that overlaps none of `taken`, as podman numbers its networks. */
export const chooseSubnet = (taken: Subnet[]): Subnet => {
	for (let n = 0; n < 256; n++) {
		const candidate = {base: ((10 * 256 + 89) * 256 + n) * 256, prefix: 24};
		if (!taken.some(subnet => overlaps(subnet, candidate))) {
			return candidate;
		}
	}

	throw new BerthError('NETWORK_FAILED', 'no free subnet in `10.89.0.0/16`: give one with --subnet');
};
