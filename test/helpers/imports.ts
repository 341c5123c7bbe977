/**
 * The module graph as static imports draw it (dynamic `import()` is how code comes in on
 * demand), for the tests that check what a command or the UI loads up front.
 */
import fs from 'node:fs';
import path from 'node:path';
import {createRequire} from 'node:module';

export const staticImports = (file: string): string[] => {
	const text = fs.readFileSync(file, 'utf8');
	return [...text.matchAll(/^\s*import\s+(?:[^'"]*?\s+from\s+)?['"]([^'"]+)['"]/gm)].map(match => match[1]!);
};

/**
 * `entry` and every file its static imports reach, with the packages met on the way as
 * `package:NAME`. With `intoPackages`, the walk goes on through the packages' own files too
 * (not commander's, which the CLI always loads).
 */
export const reachable = (entry: string, {intoPackages = false} = {}): Set<string> => {
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
				const resolved = intoPackages ? createRequire(file).resolve(specifier) : '';
				if (resolved.endsWith('.js') && !resolved.includes('commander')) {
					queue.push(resolved);
				}
			}
		}
	}

	return seen;
};

/** The modules esbuild bundled into `files`: it marks each with a `// path` comment. */
export const bundledModules = (files: string[]): string[] =>
	files.flatMap(file => [...fs.readFileSync(file, 'utf8').matchAll(/^\/\/ ((?:dist|node_modules|source)\/\S+)$/gm)].map(match => match[1]!));
