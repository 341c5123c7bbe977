/**
 * Build step: bundles the start-up snapshot's entry (dist/source/cli/snapshot.js) into the one
 * CommonJS file `node --build-snapshot` takes, dist/snapshot.cjs.
 *
 * esbuild gives each module that imports a Node built-in by default (`import fs from 'node:fs'`)
 * a copy of the built-in's exports made of one getter closure per property: some 4,500 closures
 * and contexts in the snapshot, 3 ms of every command's start. Here that copy is an object whose
 * prototype is the module itself: the same properties, read through, nothing copied.
 *
 * The snapshot keeps the bundle's source for the functions compiled on first call: one character
 * beyond Latin-1 (esbuild leaves them in regular expressions) makes all of it a two-byte string,
 * 800 KB more to load at every start. Those characters are written as \u escapes.
 */
import fs from 'node:fs';
import path from 'node:path';
import {build} from 'esbuild';

const dist = path.resolve(import.meta.dirname, '../..');

/** esbuild's helper, as the pinned esbuild writes it. */
const copyingToEsm = /^var __toESM = \(mod, isNodeMode, target\) => \(target = [\s\S]*?^\)\);$/m;

/** The same result for reading: `default` is the module unless it was compiled from ESM. */
const readThroughToEsm = 'var __toESM = (mod, isNodeMode) => mod == null ? {default: mod}'
	+ ' : isNodeMode || !mod.__esModule ? Object.create(mod, {default: {value: mod, enumerable: true}}) : mod;';

const result = await build({
	entryPoints: [path.join(dist, 'source/cli/snapshot.js')],
	bundle: true,
	format: 'cjs',
	platform: 'node',
	write: false,
	logLevel: 'error',
});
const code = result.outputFiles[0]!.text;
if (!copyingToEsm.test(code)) {
	throw new Error('esbuild\'s __toESM helper is not the one source/cli/bundle-snapshot.ts replaces: update it for this esbuild');
}

const oneByte = (text: string): string => text.replaceAll(/[^\u0000-\u00ff]/g, char => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
fs.writeFileSync(path.join(dist, 'snapshot.cjs'), oneByte(code.replace(copyingToEsm, readThroughToEsm)));
