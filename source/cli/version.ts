import {createRequire} from 'node:module';
import os from 'node:os';
import type {Command} from 'commander';
import {print} from './context.js';

export const version = (): string => (createRequire(import.meta.url)('../../../package.json') as {version: string}).version;

export const defineVersion = (program: Command): void => {
	program.command('version')
		.description('Show the berth version')
		.action(() => {
			print([
				`Version:     ${version()}`,
				`Node:        ${process.version}`,
				`OS/Arch:     ${os.platform()}/${process.arch}`,
				`Kernel:      ${os.release()}`,
			].join('\n'));
		});
};
