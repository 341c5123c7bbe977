/**
 * The client side of a shim's attach socket (framing in source/native/shim/protocol.h):
 * copies a terminal or pipes to and from a container until it exits or the user types the
 * detach sequence.
 */
import net from 'node:net';
import type {Readable, Writable} from 'node:stream';
import {BerthError} from '../engine/errors.js';

const FRAME_STDIN = 0;
const FRAME_EOF = 1;
const FRAME_RESIZE = 2;
const FRAME_CLEANED = 3;
const FRAME_STDOUT = 1;
const FRAME_STDERR = 2;
const FRAME_EXIT = 3;

export const defaultDetachKeys = 'ctrl-p,ctrl-q';

/** Docker's detach-keys syntax: a comma list of single characters and ctrl-X combinations. */
export const parseDetachKeys = (spec: string): number[] => spec.split(',').map(key => {
	const ctrl = /^ctrl-(.)$/i.exec(key);
	if (ctrl) {
		const code = ctrl[1]!.toUpperCase().charCodeAt(0);
		if (code >= 64 && code <= 95) {
			return code - 64;
		}
	} else if (key.length === 1) {
		return key.charCodeAt(0);
	}

	throw new BerthError('INVALID_ARGUMENT', `invalid detach keys \`${spec}\``);
});

const frame = (type: number, payload: Uint8Array): Buffer => {
	const header = Buffer.alloc(5);
	header.writeUInt8(type, 0);
	header.writeUInt32BE(payload.length, 1);
	return Buffer.concat([header, payload]);
};

export const resizeFrame = (rows: number, cols: number): Buffer => {
	const payload = Buffer.alloc(4);
	payload.writeUInt16BE(rows, 0);
	payload.writeUInt16BE(cols, 2);
	return frame(FRAME_RESIZE, payload);
};

/** Splits a byte stream into frames, whatever chunks it arrives in. */
class FrameReader {
	private pending: Buffer = Buffer.alloc(0);

	* push(chunk: Buffer): Generator<{type: number; payload: Buffer}> {
		this.pending = this.pending.length > 0 ? Buffer.concat([this.pending, chunk]) : chunk;
		while (this.pending.length >= 5) {
			const length = this.pending.readUInt32BE(1);
			if (this.pending.length < 5 + length) {
				break;
			}

			yield {type: this.pending[0]!, payload: this.pending.subarray(5, 5 + length)};
			this.pending = this.pending.subarray(5 + length);
		}
	}
}

/** Watches input for the detach sequence, holding back bytes that may be its start. */
class DetachMatcher {
	private matched = 0;

	constructor(private readonly keys: number[]) {}

	/** The bytes to pass on, and whether the sequence is now complete. */
	feed(chunk: Buffer): {pass: Buffer; detach: boolean} {
		const pass: number[] = [];
		for (const byte of chunk) {
			if (this.keys.length > 0 && byte === this.keys[this.matched]) {
				this.matched++;
				if (this.matched === this.keys.length) {
					return {pass: Buffer.from(pass), detach: true};
				}

				continue;
			}

			pass.push(...this.keys.slice(0, this.matched));
			this.matched = 0;
			pass.push(byte);
		}

		return {pass: Buffer.from(pass), detach: false};
	}
}

export type AttachOptions = {
	socket: string;
	/** Forwarded to the container; null for --no-stdin or a container without -i. */
	stdin: Readable | null;
	stdout: Writable;
	stderr: Writable;
	detachKeys: number[];
	/** The terminal's size now, and a way to hear of its changes (tty containers). */
	size?: () => {rows: number; cols: number};
	onResize?: (listener: () => void) => () => void;
	/** Called once the socket is connected (a foreground run starts its container then). */
	onConnect?: () => void;
	/**
	 * Run when the container has exited, before hanging up; the shim is then told it need not
	 * run its own cleanup command (which would start another berth process).
	 */
	cleanup?: () => Promise<void>;
};

export type AttachResult = {kind: 'exited'; code: number} | {kind: 'detached'};

export const attach = async (options: AttachOptions): Promise<AttachResult> => new Promise((resolve, reject) => {
	const socket = net.createConnection(options.socket);
	const reader = new FrameReader();
	const matcher = new DetachMatcher(options.detachKeys);
	let result: AttachResult | undefined;
	let cleaning: Promise<void> | undefined;
	const cleanups: Array<() => void> = [];
	// Once: the stdin and resize listeners go when the exit is in or the connection closes.
	const release = () => {
		for (const cleanup of cleanups.splice(0)) {
			cleanup();
		}
	};

	const finish = (value: AttachResult) => {
		result ??= value;
		socket.end();
	};

	const sendSize = () => {
		const size = options.size?.();
		if (size && size.rows > 0 && size.cols > 0) {
			socket.write(resizeFrame(size.rows, size.cols));
		}
	};

	socket.on('connect', () => {
		options.onConnect?.();
		sendSize();
		if (options.onResize) {
			cleanups.push(options.onResize(sendSize));
		}

		if (options.stdin) {
			const stdin = options.stdin;
			const onData = (chunk: Buffer) => {
				const {pass, detach} = matcher.feed(chunk);
				if (pass.length > 0) {
					socket.write(frame(FRAME_STDIN, pass));
				}

				if (detach) {
					finish({kind: 'detached'});
				}
			};

			const onEnd = () => socket.write(frame(FRAME_EOF, Buffer.alloc(0)));
			stdin.on('data', onData);
			stdin.on('end', onEnd);
			cleanups.push(() => {
				stdin.off('data', onData);
				stdin.off('end', onEnd);
				stdin.pause();
			});
			stdin.resume();
		}
	});

	socket.on('data', (chunk: Buffer) => {
		for (const {type, payload} of reader.push(chunk)) {
			if (type === FRAME_STDOUT) {
				options.stdout.write(payload);
			} else if (type === FRAME_STDERR) {
				options.stderr.write(payload);
			} else if (type === FRAME_EXIT) {
				const exited: AttachResult = {kind: 'exited', code: Number(payload.toString())};
				result ??= exited;
				if (options.cleanup) {
					// Done once CLEANED is out: the shim hanging up after it is not waited for.
					cleaning = options.cleanup().then(async () => {
						if (!socket.destroyed) {
							await new Promise<void>(sent => {
								socket.once('close', sent);
								socket.end(frame(FRAME_CLEANED, Buffer.alloc(0)), sent);
							});
						}

						release();
						resolve(result!);
					});
				} else {
					finish(exited);
				}
			}
		}
	});

	socket.on('error', error => {
		release();

		// Once the exit status is in, a connection the shim drops is no failure: 'close' follows.
		if (result) {
			return;
		}

		reject(new BerthError('RUNTIME_FAILED', `cannot attach to \`${options.socket}\`: ${error.message}`, {cause: error}));
	});

	socket.on('close', async () => {
		release();

		try {
			// The shim may hang up first; the cleanup still finishes before the result is known.
			await cleaning;
		} catch (error) {
			reject(error);
			return;
		}

		if (result) {
			resolve(result);
		} else {
			reject(new BerthError('RUNTIME_FAILED', 'the container\'s shim closed the attach connection without an exit status'));
		}
	});
});
