#!/usr/bin/env node
/**
 * berth's entry point: a command runs the CLI; no command opens the terminal UI. Only the
 * front end in use is loaded, so `berth run` never pays for React. (The `berth` launcher,
 * source/launch.sh, starts commands from the start-up snapshot that source/cli/snapshot.ts makes.)
 */
import {finish} from './source/cli/finish.js';

const argv = process.argv.slice(2);
if (argv.length === 0 && process.stdin.isTTY && process.stdout.isTTY) {
	const {openUi} = await import('./source/ui/open.js');
	await finish(await openUi());
} else {
	// Without a terminal there is no UI to show: the help, as before.
	const {main} = await import('./source/cli/main.js');
	await finish(await main(argv.length > 0 ? argv : ['--help']));
}
