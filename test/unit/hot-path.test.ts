/**
 * `berth run` and `berth ps` must not load Ink, React, blessed or the registry client: walk the
 * compiled CLI's static imports (dynamic `import()` is how the heavy parts come in, on demand)
 * and check none of them is reached.
 */
import fs from 'node:fs';
import path from 'node:path';
import {createRequire} from 'node:module';
import test from 'ava';
import {projectRoot} from '../helpers/berth.js';

const staticImports = (file: string): string[] => {
	const text = fs.readFileSync(file, 'utf8');
	return [...text.matchAll(/^\s*import\s+(?:[^'"]*?\s+from\s+)?['"]([^'"]+)['"]/gm)].map(match => match[1]!);
};

const reachable = (entry: string): Set<string> => {
	const seen = new Set<string>();
	const queue = [entry];
	while (queue.length > 0) {
		const file = queue.pop()!;
		if (seen.has(file)) {
			continue;
		}

		seen.add(file);
		for (const specifier of staticImports(file)) {
			if (specifier.startsWith('.')) {
				queue.push(path.resolve(path.dirname(file), specifier));
			} else if (!specifier.startsWith('node:')) {
				seen.add(`package:${specifier}`);
				const resolved = createRequire(file).resolve(specifier);
				if (resolved.endsWith('.js') && !resolved.includes('commander')) {
					queue.push(resolved);
				}
			}
		}
	}

	return seen;
};

test('the CLI loads no UI or registry code up front', t => {
	const loaded = [...reachable(path.join(projectRoot, 'dist/source/cli/main.js'))];
	t.true(loaded.some(file => file.endsWith('source/cli/run.js')), 'the walk reached the run command');
	const heavy = loaded.filter(file => /package:(ink|react|blessed|blessed-contrib|node-pty|@xterm)|\/source\/(ui|registry|build)\//.test(file));
	t.deepEqual(heavy, []);
});
