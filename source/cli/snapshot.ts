/**
 * The entry of berth's start-up snapshot, dist/berth.blob (`node --build-snapshot`, run by the
 * build): the CLI's code is loaded and evaluated once, when the snapshot is made, and each
 * command starts from it instead of loading it anew. The `berth` launcher starts commands so:
 * `node --snapshot-blob dist/berth.blob ARGS...`.
 */
import path from 'node:path';
import v8 from 'node:v8';
import {setPackageRoot} from '../engine/paths.js';
import {finish} from './finish.js';
import {main} from './main.js';

v8.startupSnapshot.setDeserializeMainFunction(async () => {
	const blob = process.execArgv[process.execArgv.indexOf('--snapshot-blob') + 1];
	setPackageRoot(path.dirname(path.dirname(path.resolve(blob))));
	await finish(await main(process.argv.slice(1)));
});
