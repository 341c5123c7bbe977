/**
 * A loopback HTTP proxy in front of a test registry that breaks chosen requests, the way a
 * flaky network or an overloaded registry does: answer 500 instead of forwarding, cut the
 * answer's body half way, or forward half a request's body then drop the connection and
 * answer 500. The Host header is passed through, so the registry's upload locations point
 * back at the proxy. Every request is logged as `METHOD /path`.
 */
import http from 'node:http';
import type {AddressInfo} from 'node:net';

export type Fault = {
	method: string;
	path: RegExp;
	/** How many of the matching requests fail; the later ones pass. */
	times: number;
	/** How many matching requests pass before the failures begin. */
	after?: number;
	/** Only requests with a body of at least this many bytes match. */
	minBytes?: number;
	kind: 'error' | 'cut-response' | 'cut-request';
};

export type FaultProxy = {
	host: string;
	requests: string[];
	faults: Fault[];
	close: () => Promise<void>;
};

const matching = (faults: Fault[], request: http.IncomingMessage): Fault | undefined => {
	const bytes = Number(request.headers['content-length'] ?? 0);
	const fault = faults.find(candidate => candidate.times > 0 && candidate.method === request.method && candidate.path.test(request.url!)
		&& bytes >= (candidate.minBytes ?? 0));
	if (fault && (fault.after ?? 0) > 0) {
		fault.after!--;
		return undefined;
	}

	if (fault) {
		fault.times--;
	}

	return fault;
};

/** Sends the first half of the upstream answer's body, then drops the connection. */
const cutResponse = (upstream: http.IncomingMessage, response: http.ServerResponse) => {
	const half = Math.floor(Number(upstream.headers['content-length'] ?? 0) / 2);
	let sent = 0;
	response.writeHead(upstream.statusCode!, upstream.headers);
	upstream.on('data', (chunk: Buffer) => {
		if (sent < half) {
			response.write(chunk.subarray(0, half - sent));
			sent += Math.min(chunk.length, half - sent);
			if (sent >= half) {
				upstream.destroy();
				// Let the half written go out before the reset.
				setTimeout(() => response.socket?.destroy(), 50);
			}
		}
	});
};

export const startFaultProxy = async (target: string): Promise<FaultProxy> => {
	const [targetHost, targetPort] = target.split(':') as [string, string];
	const requests: string[] = [];
	const faults: Fault[] = [];
	const server = http.createServer((request, response) => {
		requests.push(`${request.method} ${request.url}`);
		const fault = matching(faults, request);
		if (fault?.kind === 'error') {
			request.resume();
			request.on('end', () => response.writeHead(500, {'Content-Type': 'application/json'}).end('{"errors":[{"code":"UNKNOWN","message":"injected failure"}]}'));
			return;
		}

		const upstream = http.request({host: targetHost, port: Number(targetPort), method: request.method, path: request.url, headers: request.headers}, answer => {
			if (fault?.kind === 'cut-response') {
				cutResponse(answer, response);
				return;
			}

			response.writeHead(answer.statusCode!, answer.headers);
			answer.pipe(response);
		});
		upstream.on('error', () => {
			if (!response.headersSent) {
				response.writeHead(502).end();
			}
		});
		if (fault?.kind === 'cut-request') {
			const half = Math.floor(Number(request.headers['content-length'] ?? 0) / 2);
			let forwarded = 0;
			request.on('data', (chunk: Buffer) => {
				if (forwarded < half) {
					upstream.write(chunk.subarray(0, half - forwarded));
					forwarded += Math.min(chunk.length, half - forwarded);
				}
			});
			request.on('end', () => {
				upstream.destroy();
				response.writeHead(500, {'Content-Type': 'application/json'}).end('{"errors":[{"code":"UNKNOWN","message":"injected cut"}]}');
			});
			return;
		}

		request.pipe(upstream);
	});
	await new Promise<void>(resolve => {
		server.listen(0, '127.0.0.1', resolve);
	});
	return {
		host: `127.0.0.1:${(server.address() as AddressInfo).port}`,
		requests,
		faults,
		close: async () => new Promise(resolve => {
			server.closeAllConnections();
			server.close(() => {
				resolve();
			});
		}),
	};
};
