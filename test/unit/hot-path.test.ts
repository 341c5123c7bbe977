/**
 * `berth run` and `berth ps` must not load Ink, React, blessed or the registry client: walk the
 * CLI's static imports (dynamic `import()` is how the heavy parts come in, on demand) and check
 * none of them is reached, in the compiled modules, in the bundle of dist/cli.js, and in the
 * start-up snapshot the `berth` command starts from.
 */
import fs from 'node:fs';
import path from 'node:path';
import test from 'ava';
import {projectRoot} from '../helpers/berth.js';
import {bundledModules, reachable} from '../helpers/imports.js';

const heavy = /package:(ink|react|blessed|blessed-contrib|node-pty|@xterm)|\/source\/(ui|registry|build)\//;

test('the CLI\'s modules load no UI or registry code up front', t => {
	const loaded = [...reachable(path.join(projectRoot, 'dist/source/cli/main.js'), {intoPackages: true})];
	t.true(loaded.some(file => file.endsWith('source/cli/run.js')), 'the walk reached the run command');
	t.deepEqual(loaded.filter(file => heavy.test(file)), []);
});

test('the bundle berth runs keeps them in chunks loaded on demand', t => {
	const dist = path.join(projectRoot, 'dist');
	const main = fs.readdirSync(dist).find(name => name.endsWith('.js') && fs.readFileSync(path.join(dist, name), 'utf8').includes('\n// dist/source/cli/main.js\n'));
	t.truthy(main, 'a chunk holds the CLI');
	const modules = bundledModules([...reachable(path.join(dist, main!), {intoPackages: true})].filter(file => file.startsWith(dist)));
	t.true(modules.includes('dist/source/cli/run.js'));
	t.deepEqual(modules.filter(module => /^node_modules\/(ink|react|react-reconciler|yoga-layout|blessed|@xterm)\/|^dist\/source\/(ui|registry|build)\//.test(module)), []);
});

test('the start-up snapshot holds no UI, and runs registry and build code only when a command asks', t => {
	const file = path.join(projectRoot, 'dist/snapshot.cjs');
	const bundle = fs.readFileSync(file, 'utf8');
	const modules = bundledModules([file]);
	t.true(modules.includes('dist/source/cli/run.js'));
	t.deepEqual(modules.filter(module => /^node_modules\/(ink|react|react-reconciler|yoga-layout|blessed|@xterm)\/|^dist\/source\/ui\//.test(module)), []);
	// esbuild wraps a module that is imported on demand in `__esm({"its path"() {...}})`: its body runs at the first import().
	const onDemand = modules.filter(module => /^dist\/source\/(registry|build)\//.test(module));
	t.true(onDemand.length > 0);
	t.deepEqual(onDemand.filter(module => !bundle.includes(`__esm({\n  "${module}"() {`)), []);
});

test('a build loads dockerfile-ast only to parse a Dockerfile it has not parsed before (build/parsed.ts imports the parser on demand)', t => {
	const loaded = [...reachable(path.join(projectRoot, 'dist/source/build/builder.js'), {intoPackages: true})];
	t.true(loaded.some(file => file.endsWith('source/build/stage.js')), 'the walk reached the stage builder');
	t.deepEqual(loaded.filter(file => file === 'package:dockerfile-ast' || file.endsWith('source/build/dockerfile.js')), []);
});
