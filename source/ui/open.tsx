/**
 * `berth` with no command: the terminal UI, full screen on the alternate screen. The screen
 * the user had is given back however the UI ends: `q`, Ctrl-C, a signal, or a crash (whose
 * message is printed after the screen is restored, never drawn inside the UI).
 */
import path from 'node:path';
import React from 'react';
import {render} from 'ink';
import {Engine} from '../engine/engine.js';
import {berthCommand} from '../runtime/shim-conf.js';
import {App} from './app.js';
import {loadSettings} from './config.js';
import {readLists} from './hooks/use-berth-state.js';

const enterAlternateScreen = '\u001B[?1049h\u001B[H\u001B[2J';
const leaveAlternateScreen = '\u001B[?25h\u001B[?1049l';

/** The berth CLI that terminal panes run: the one this UI was started from. */
export const cliCommand = (): string[] => [berthCommand()];

/** NO_COLOR (https://no-color.org): present and not empty turns colour off. */
export const colorWanted = (env: NodeJS.ProcessEnv = process.env): boolean => !env.NO_COLOR;

export const openUi = async (): Promise<number> => {
	const {stdout, stdin} = process;
	const settings = await loadSettings();
	const engine = new Engine();
	// The first frame shows the lists, rather than "reading…" and a second frame a moment later;
	// a store slow to read shows "reading…" first. A failed read is the App's to report.
	const initial = await Promise.race([
		readLists(engine).catch(() => undefined),
		new Promise<undefined>(resolve => {
			setTimeout(resolve, 250);
		}),
	]);
	let restored = false;
	const restore = (): void => {
		if (!restored) {
			restored = true;
			stdout.write(leaveAlternateScreen);
		}
	};

	stdout.write(enterAlternateScreen);
	let quitting = false;
	let cleanup = async (): Promise<void> => {};
	const instance = render(
		<App
			engine={engine}
			initial={initial}
			settings={settings}
			color={colorWanted()}
			cli={cliCommand()}
			env={process.env}
			preferredShell={process.env.SHELL ? path.basename(process.env.SHELL) : undefined}
			quit={() => {
				if (!quitting) {
					quitting = true;
					instance.unmount();
				}
			}}
			registerCleanup={(fn: () => Promise<void>) => {
				cleanup = fn;
			}}
		/>,
		{stdout, stdin, exitOnCtrlC: false, patchConsole: true, maxFps: 60},
	);

	const crash = (error: unknown): void => {
		instance.unmount();
		restore();
		process.stderr.write(`berth: internal error in the terminal UI: ${(error as Error)?.stack ?? String(error)}\n`);
		process.exit(125);
	};

	const onSignal = (signal: NodeJS.Signals): void => {
		instance.unmount();
		restore();
		process.exit(128 + (signal === 'SIGINT' ? 2 : signal === 'SIGHUP' ? 1 : 15));
	};

	process.on('uncaughtException', crash);
	process.on('unhandledRejection', crash);
	for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
		process.on(signal, onSignal);
	}

	process.on('exit', restore);
	try {
		await instance.waitUntilExit();
		await cleanup().catch(() => undefined);
	} finally {
		restore();
	}

	return 0;
};
