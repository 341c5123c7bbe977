/**
 * Whether a host port is free, asked of the kernel by binding it for a moment. Published ports
 * are DNAT rules, not sockets, so this sees only other programs; berth's own mappings are
 * checked against its records.
 */
import dgram from 'node:dgram';
import net from 'node:net';
import {BerthError} from '../engine/errors.js';
import type {Protocol} from './ports.js';

/** Binds `address:port` (0 for any free one) and gives the port bound, or undefined when in use. */
const probe = async (proto: Protocol, address: string, port: number): Promise<number | undefined> => new Promise((resolve, reject) => {
	const fail = (error: NodeJS.ErrnoException) => {
		if (error.code === 'EADDRINUSE' || error.code === 'EACCES') {
			resolve(undefined);
		} else if (error.code === 'EADDRNOTAVAIL') {
			reject(new BerthError('INVALID_ARGUMENT', `host address \`${address}\` is not an address of this machine`));
		} else {
			reject(new BerthError('NETWORK_FAILED', `cannot probe host port \`${address}:${port}/${proto}\`: ${error.message}`, {cause: error}));
		}
	};

	if (proto === 'tcp') {
		const server = net.createServer();
		server.once('error', fail);
		server.listen({host: address, port, exclusive: true}, () => {
			const bound = (server.address() as net.AddressInfo).port;
			server.close(() => resolve(bound));
		});
	} else {
		const socket = dgram.createSocket('udp4');
		socket.once('error', fail);
		socket.bind({address, port, exclusive: true}, () => {
			const bound = socket.address().port;
			socket.close(() => resolve(bound));
		});
	}
});

/** Refuses a host port some program holds. */
export const checkHostPort = async (proto: Protocol, hostIp: string, port: number): Promise<void> => {
	if (await probe(proto, hostIp || '0.0.0.0', port) === undefined) {
		throw new BerthError('PORT_IN_USE', `host port \`${hostIp ? `${hostIp}:` : ''}${port}/${proto}\` is already in use`);
	}
};

/** A port the kernel considers free on `hostIp`, not in `taken` (ports berth has published). */
export const freeHostPort = async (proto: Protocol, hostIp: string, taken: ReadonlySet<number>): Promise<number> => {
	for (let attempt = 0; attempt < 100; attempt++) {
		const port = await probe(proto, hostIp || '0.0.0.0', 0);
		if (port !== undefined && !taken.has(port)) {
			return port;
		}
	}

	throw new BerthError('PORT_IN_USE', `no free host port for \`${proto}\``);
};
