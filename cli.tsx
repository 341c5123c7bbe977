#!/usr/bin/env node
/**
 * berth's entry point: a command runs the CLI; no command opens the terminal UI. Only the
 * front end in use is loaded, so `berth run` never pays for React. (The `berth` launcher,
 * source/native/launcher.c, starts commands from the start-up snapshot that
 * source/cli/snapshot.ts makes.)
 */
import {finish} from './source/cli/finish.js';

const argv = process.argv.slice(2);
if (argv.length === 0 && process.stdin.isTTY && process.stdout.isTTY) {
	// Ink's layout engine (yoga) loads its WebAssembly, inlined as a data: URL, with fetch when
	// there is one: 70 ms of loading undici and percent-decoding, where without fetch it decodes
	// the base64 itself in a few. Nothing else runs meanwhile; fetch is back before the UI starts.
	const {fetch} = globalThis;
	Reflect.deleteProperty(globalThis, 'fetch');
	const {openUi} = await import('./source/ui/open.js').finally(() => {
		globalThis.fetch = fetch;
	});
	await finish(await openUi());
} else {
	// Without a terminal there is no UI to show: the help, as before.
	const {main} = await import('./source/cli/main.js');
	await finish(await main(argv.length > 0 ? argv : ['--help']));
}
