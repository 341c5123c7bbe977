/**
 * A terminal pane's session: the real berth CLI (`attach`, `exec -it`, `run --rm -it`) in a
 * pty, its output fed into a headless xterm whose screen the pane draws. The session outlives
 * the pane: leaving it (the detach keys) only moves the focus; it ends when its program does,
 * or when the UI quits.
 */
import {createRequire} from 'node:module';
import type {IPty} from 'node-pty';
import type xtermModule from '@xterm/headless';
import {screenLines, type ScreenOptions} from './terminal-screen.js';

type Pty = typeof import('node-pty');
type Xterm = typeof xtermModule;

let modules: {pty: Pty; xterm: Xterm} | undefined;

/**
 * node-pty and xterm are loaded with the first session, not with the UI: xterm alone took
 * 70 ms of the UI's start, for a pane most sessions never open.
 */
const load = (): {pty: Pty; xterm: Xterm} => {
	if (!modules) {
		const require = createRequire(import.meta.url);
		modules = {pty: require('node-pty') as Pty, xterm: require('@xterm/headless') as Xterm};
	}

	return modules;
};

export type SessionKind = 'attach' | 'exec' | 'shell';

export type SessionOptions = {
	kind: SessionKind;
	title: string;
	/** The container (attach, exec) or image (shell) it is for. */
	target: string;
	command: string;
	args: string[];
	cols: number;
	rows: number;
	env?: NodeJS.ProcessEnv;
};

let nextId = 1;

export class TerminalSession {
	readonly id = nextId++;
	readonly kind: SessionKind;
	readonly title: string;
	readonly target: string;
	/** Set once the program has ended. */
	exit?: {code: number; signal?: number};
	private readonly pty: IPty;
	private readonly terminal: InstanceType<Xterm['Terminal']>;
	private readonly listeners = new Set<() => void>();
	private closed = false;

	constructor(options: SessionOptions) {
		this.kind = options.kind;
		this.title = options.title;
		this.target = options.target;
		const {pty, xterm} = load();
		this.terminal = new xterm.Terminal({cols: options.cols, rows: options.rows, scrollback: 1000, allowProposedApi: true});
		this.pty = pty.spawn(options.command, options.args, {
			name: 'xterm-256color',
			cols: options.cols,
			rows: options.rows,
			env: {...options.env ?? process.env, TERM: 'xterm-256color'},
		});
		this.pty.onData(data => {
			this.terminal.write(data, () => {
				this.changed();
			});
		});
		// Answers to the program's queries (cursor position, device attributes) go back to it.
		this.terminal.onData(data => {
			if (!this.exit) {
				this.pty.write(data);
			}
		});
		this.pty.onExit(({exitCode, signal}) => {
			const ended = (): void => {
				this.exit = {code: exitCode, signal};
				this.changed();
			};

			// After the output before it is on the screen: xterm parses writes in order, later.
			if (this.closed) {
				ended();
			} else {
				this.terminal.write('', ended);
			}
		});
	}

	get cols(): number {
		return this.terminal.cols;
	}

	get rows(): number {
		return this.terminal.rows;
	}

	get pid(): number {
		return this.pty.pid;
	}

	/** Calls `listener` after each change of the screen or the session's end; returns the unsubscribe. */
	subscribe(listener: () => void): () => void {
		this.listeners.add(listener);
		return () => {
			this.listeners.delete(listener);
		};
	}

	write(data: string): void {
		if (!this.exit) {
			this.pty.write(data);
		}
	}

	resize(cols: number, rows: number): void {
		const width = Math.max(cols, 2);
		const height = Math.max(rows, 1);
		if (width === this.terminal.cols && height === this.terminal.rows) {
			return;
		}

		this.terminal.resize(width, height);
		if (!this.exit) {
			this.pty.resize(width, height);
		}

		this.changed();
	}

	lines(options: ScreenOptions): string[] {
		return screenLines(this.terminal, options);
	}

	/** The screen as plain text, for tests and searches. */
	text(): string {
		return this.lines({color: false, cursor: false}).map(line => line.replaceAll(/\u001B\[[\d;]*m/g, '').trimEnd()).join('\n');
	}

	/** Ends the program (a client of the container: the container itself is left alone). */
	close(): void {
		if (!this.exit) {
			try {
				this.pty.kill('SIGHUP');
			} catch {}
		}

		this.closed = true;
		this.listeners.clear();
		this.terminal.dispose();
	}

	private changed(): void {
		for (const listener of this.listeners) {
			listener();
		}
	}
}
