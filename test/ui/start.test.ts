/**
 * What the terminal UI loads before its first frame, in the bundle berth runs: no pane's pty
 * and terminal emulator, no chart library, no config library (for a user without a config
 * file), React's production build, and berth's own string-width in front of the package's.
 */
import fs from 'node:fs';
import path from 'node:path';
import test from 'ava';
import {projectRoot} from '../helpers/berth.js';
import {bundledModules, reachable} from '../helpers/imports.js';

const dist = path.join(projectRoot, 'dist');

/** The chunk holding the UI and every chunk and package it imports statically. */
const uiStart = (): {chunks: string[]; packages: string[]} => {
	// The entry imports the UI on demand; dist may hold chunks of earlier builds too.
	const entry = fs.readFileSync(path.join(dist, 'cli.js'), 'utf8');
	const open = [...entry.matchAll(/\bimport\("\.\/([^"]+\.js)"\)/g)].map(match => match[1]!)
		.find(name => fs.readFileSync(path.join(dist, name), 'utf8').includes('\n// dist/source/ui/open.js\n'));
	if (!open) {
		throw new Error('no chunk holds the UI: is dist built?');
	}

	const loaded = [...reachable(path.join(dist, open))];
	return {
		chunks: loaded.filter(file => !file.startsWith('package:')),
		packages: loaded.filter(file => file.startsWith('package:')).map(file => file.slice('package:'.length)),
	};
};

test('the UI\'s start loads no terminal pane, chart or config library, and React\'s production build', t => {
	const {chunks, packages} = uiStart();
	t.deepEqual(packages.filter(name => /^(node-pty|@xterm\/headless|blessed|blessed-contrib|conf)$/.test(name)), []);
	const modules = bundledModules(chunks);
	t.true(modules.includes('dist/source/ui/app.js'));
	t.true(modules.includes('node_modules/react-reconciler/cjs/react-reconciler.production.js'));
	// Ink measures text with berth's string-width, and string-width only for what it cannot count.
	t.true(modules.includes('source/ui/string-width.ts'));
	t.deepEqual(modules.filter(module => /^node_modules\/(.*\/)?(string-width|emoji-regex)\//.test(module)), ['node_modules/string-width/index.js']);
	t.deepEqual(modules.filter(module => /\.development\.js$|^node_modules\/(conf|ajv|ajv-formats|semver)\//.test(module)), []);
});
