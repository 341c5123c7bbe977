import fs from 'node:fs';
import path from 'node:path';
import os from 'node:os';
import type {Command} from 'commander';
import {packageRoot} from '../engine/paths.js';
import {print} from './context.js';

export const version = (): string => (JSON.parse(fs.readFileSync(path.join(packageRoot(), 'package.json'), 'utf8')) as {version: string}).version;

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
