/**
 * The entry of berth's start-up snapshot, dist/berth.blob (`node --build-snapshot`, run by the
 * build): the CLI's code is loaded and its commands defined once, when the snapshot is made, and
 * each command starts from there instead of doing it anew. The `berth` launcher starts commands
 * so: `node --snapshot-blob dist/berth.blob -- ARGS...`.
 */
import path from 'node:path';
import v8 from 'node:v8';
import {setPackageRoot} from '../engine/paths.js';
import {finish} from './finish.js';
import {main, program} from './main.js';

// The bundled code has no module URL to find the package by: dist/snapshot.cjs now, dist/berth.blob later.
const packageOf = (distFile: string): string => path.dirname(path.dirname(path.resolve(distFile)));

setPackageRoot(packageOf(process.argv[1]!));
const berth = program();

v8.startupSnapshot.setDeserializeMainFunction(async () => {
	setPackageRoot(packageOf(process.execArgv[process.execArgv.indexOf('--snapshot-blob') + 1]!));
	await finish(await main(process.argv.slice(1), berth));
});
