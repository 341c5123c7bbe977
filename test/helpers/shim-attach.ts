/** A client of a shim's attach socket (framing in source/native/shim/protocol.h). */
import net from 'node:net';

export const frameStdin = 0;
export const frameEof = 1;
export const frameResize = 2;
export const frameCleaned = 3;
export const frameStdout = 1;
export const frameStderr = 2;
export const frameExit = 3;

export const frame = (type: number, payload: Uint8Array | string = ''): Buffer => {
	const body = typeof payload === 'string' ? Buffer.from(payload) : Buffer.from(payload);
	const header = Buffer.alloc(5);
	header.writeUInt8(type, 0);
	header.writeUInt32BE(body.length, 1);
	return Buffer.concat([header, body]);
};

export class AttachClient {
	stdout = '';
	stderr = '';
	/** The EXIT frame's code, once it came. */
	exitCode?: number;
	/** Resolves when the shim closes the connection. */
	readonly closed: Promise<void>;
	/** Answer EXIT with CLEANED, as a foreground `berth run` does after its own cleanup. */
	answersCleaned = false;
	private pending = Buffer.alloc(0);
	private readonly waiters: Array<() => void> = [];

	private constructor(private readonly socket: net.Socket) {
		this.closed = new Promise(resolve => {
			socket.on('close', () => {
				resolve();
				this.wake();
			});
		});
		socket.on('data', chunk => {
			this.push(chunk);
		});
		socket.on('error', () => {
			// The shim closing first is how every session ends.
		});
	}

	static async connect(socketPath: string): Promise<AttachClient> {
		return new Promise((resolve, reject) => {
			const socket = net.connect(socketPath);
			socket.once('connect', () => {
				resolve(new AttachClient(socket));
			});
			socket.once('error', reject);
		});
	}

	write(type: number, payload: Uint8Array | string = ''): void {
		this.socket.write(frame(type, payload));
	}

	resize(rows: number, cols: number): void {
		const payload = Buffer.alloc(4);
		payload.writeUInt16BE(rows, 0);
		payload.writeUInt16BE(cols, 2);
		this.write(frameResize, payload);
	}

	/** Waits until stdout matches, or the connection ends. */
	async waitFor(pattern: RegExp, timeoutMs = 10_000): Promise<boolean> {
		const deadline = Date.now() + timeoutMs;
		while (!pattern.test(this.stdout)) {
			if (this.socket.destroyed || Date.now() > deadline) {
				return pattern.test(this.stdout);
			}

			// eslint-disable-next-line no-await-in-loop
			await new Promise<void>(resolve => {
				this.waiters.push(resolve);
				setTimeout(resolve, 50);
			});
		}

		return true;
	}

	close(): void {
		this.socket.destroy();
	}

	private wake(): void {
		for (const waiter of this.waiters.splice(0)) {
			waiter();
		}
	}

	private push(chunk: Buffer): void {
		this.pending = Buffer.concat([this.pending, chunk]);
		while (this.pending.length >= 5) {
			const length = this.pending.readUInt32BE(1);
			if (this.pending.length < 5 + length) {
				break;
			}

			const type = this.pending[0];
			const payload = this.pending.subarray(5, 5 + length).toString('utf8');
			this.pending = this.pending.subarray(5 + length);
			if (type === frameStdout) {
				this.stdout += payload;
			} else if (type === frameStderr) {
				this.stderr += payload;
			} else if (type === frameExit) {
				this.exitCode = Number(payload);
				// As berth's own client does: answer (CLEANED, when it cleaned up), then hang up.
				if (this.answersCleaned) {
					this.write(frameCleaned);
				}

				this.socket.end();
			}
		}

		this.wake();
	}
}
