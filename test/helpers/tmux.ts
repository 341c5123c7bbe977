/**
 * A real terminal for tests: a tmux server of the test's own (its own socket), a window
 * running a command, keys sent to it, and the screen read back.
 */
import {execFileSync} from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export type Terminal = {
	send(...keys: string[]): void;
	/** Types text literally (no key names). */
	type(text: string): void;
	screen(): string;
	/** Waits until the screen matches, or fails with what it shows. */
	waitFor(pattern: RegExp, timeoutMs?: number): Promise<string>;
	/** Whether the command in the window is still running. */
	alive(): boolean;
	close(): void;
};

let sessions = 0;

export const openTerminal = (command: string[], options: {env?: NodeJS.ProcessEnv; cols?: number; rows?: number} = {}): Terminal => {
	const socket = path.join(os.tmpdir(), `berth-tmux-${process.pid}-${sessions++}`);
	const tmux = (...args: string[]) => execFileSync('tmux', ['-S', socket, ...args], {encoding: 'utf8', env: options.env ?? process.env});
	const quoted = command.map(word => `'${word.replaceAll('\'', '\'\\\'\'')}'`).join(' ');
	tmux('-f', '/dev/null', 'new-session', '-d', '-x', String(options.cols ?? 100), '-y', String(options.rows ?? 30), `${quoted}; echo "[exited $?]"; sleep 600`);
	const terminal: Terminal = {
		send: (...keys) => {
			tmux('send-keys', ...keys);
		},
		type: text => {
			tmux('send-keys', '-l', text);
		},
		screen: () => tmux('capture-pane', '-p'),
		async waitFor(pattern, timeoutMs = 10_000) {
			const deadline = Date.now() + timeoutMs;
			for (;;) {
				const screen = terminal.screen();
				if (pattern.test(screen)) {
					return screen;
				}

				if (Date.now() > deadline) {
					throw new Error(`the screen never matched ${pattern}:\n${screen}`);
				}

				await new Promise(resolve => {
					setTimeout(resolve, 50);
				});
			}
		},
		alive: () => !/\[exited \d+\]/.test(terminal.screen()),
		close() {
			try {
				tmux('kill-server');
			} catch {}

			fs.rmSync(socket, {force: true});
		},
	};
	return terminal;
};
