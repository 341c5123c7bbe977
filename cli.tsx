#!/usr/bin/env node
/**
 * berth's entry point: a command runs the CLI; no command opens the terminal UI. Only the
 * front end in use is loaded, so `berth run` never pays for React.
 */
const argv = process.argv.slice(2);
let status: number;
if (argv.length === 0 && process.stdin.isTTY && process.stdout.isTTY) {
	const {openUi} = await import('./source/ui/open.js');
	status = await openUi();
} else {
	// Without a terminal there is no UI to show: the help, as before.
	const {main} = await import('./source/cli/main.js');
	status = await main(argv.length > 0 ? argv : ['--help']);
}

// Output to a pipe is written asynchronously: let it drain before leaving.
await Promise.all([process.stdout, process.stderr].map(async stream => new Promise(resolve => {
	stream.write('', resolve);
})));
process.exit(status);
