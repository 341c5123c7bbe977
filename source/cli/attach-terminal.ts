/** Connects this process's terminal or pipes to a container, for run, start -a and attach. */
import type {Container} from '../runtime/container.js';
import {attach, defaultDetachKeys, parseDetachKeys, type AttachResult} from '../runtime/attach.js';
import {getEngine} from './context.js';

export type TerminalOptions = {
	stdin: boolean;
	detachKeys?: string;
	/** Record the exit (and honour --rm) here, sparing the shim from starting berth to do it. */
	cleanup?: boolean;
};

export const attachTerminal = async (container: Container, options: TerminalOptions): Promise<AttachResult> => {
	const raw = container.Config.Tty && options.stdin && process.stdin.isTTY;
	if (raw) {
		process.stdin.setRawMode(true);
	}

	try {
		return await attach({
			socket: getEngine().containers.attachSocket(container),
			stdin: options.stdin ? process.stdin : null,
			cleanup: options.cleanup ? async () => getEngine().containers.cleanup(container.Id) : undefined,
			stdout: process.stdout,
			stderr: process.stderr,
			detachKeys: parseDetachKeys(options.detachKeys ?? container.DetachKeys ?? defaultDetachKeys),
			size: () => ({rows: process.stdout.rows ?? 0, cols: process.stdout.columns ?? 0}),
			onResize(listener) {
				process.stdout.on('resize', listener);
				return () => process.stdout.off('resize', listener);
			},
		});
	} finally {
		if (raw) {
			process.stdin.setRawMode(false);
		}
	}
};
