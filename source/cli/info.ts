import os from 'node:os';
import type {Command} from 'commander';
import {getEngine, print} from './context.js';
import {formatAll} from './template.js';
import {version} from './version.js';

export const defineInfo = (program: Command): void => {
	program.command('info')
		.description('Show how berth is set up on this machine')
		.option('--format <template>', 'print only this Go template of the info (e.g. {{.Driver}})')
		.action(async (flags: {format?: string}) => {
			const engine = getEngine();
			const containers = await engine.containers.list({all: true});
			const count = (status: string) => containers.filter(container => container.State.Status === status).length;
			const info = {
				ServerVersion: version(),
				Containers: containers.length,
				ContainersRunning: count('running'),
				ContainersPaused: count('paused'),
				ContainersStopped: containers.length - count('running') - count('paused'),
				Images: (await engine.images.list()).length,
				Driver: (await engine.snapshotter()).name,
				CgroupVersion: String(engine.cgroups().version),
				FirewallDriver: engine.networks.firewall.name,
				KernelVersion: os.release(),
				OperatingSystem: os.version(),
				Architecture: process.arch,
				NCPU: os.cpus().length,
				MemTotal: os.totalmem(),
				BerthRootDir: engine.roots.root,
				BerthRunDir: engine.roots.run,
			};
			if (flags.format) {
				process.stdout.write(formatAll(flags.format, [info]));
				return;
			}

			print([
				`Containers: ${info.Containers}`,
				` Running: ${info.ContainersRunning}`,
				` Paused: ${info.ContainersPaused}`,
				` Stopped: ${info.ContainersStopped}`,
				`Images: ${info.Images}`,
				`Server Version: ${info.ServerVersion}`,
				`Storage Driver: ${info.Driver}`,
				`Cgroup Version: ${info.CgroupVersion}`,
				`Firewall Driver: ${info.FirewallDriver}`,
				`Kernel Version: ${info.KernelVersion}`,
				`Operating System: ${info.OperatingSystem}`,
				`Architecture: ${info.Architecture}`,
				`CPUs: ${info.NCPU}`,
				`Total Memory: ${(info.MemTotal / 1024 ** 3).toFixed(2)}GiB`,
				`Berth Root Dir: ${info.BerthRootDir}`,
				`Berth Run Dir: ${info.BerthRunDir}`,
			].join('\n'));
		});
};
