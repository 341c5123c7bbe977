/** What every command gets: the engine (made on first use) and the process's streams. */
import {Engine} from '../engine/engine.js';

let engine: Engine | undefined;

export const getEngine = (): Engine => {
	engine ??= new Engine();
	return engine;
};

/** Repeatable options (-e A -e B) collect into a list. */
export const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

export const print = (text: string): void => {
	process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
};
