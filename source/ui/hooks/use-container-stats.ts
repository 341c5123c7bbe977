import {useEffect, useState} from 'react';
import type {Engine} from '../../engine/engine.js';
import {containerNetIo} from '../../engine/net-io.js';
import type {Container} from '../../runtime/container.js';

export type Sample = {
	at: number;
	cpuPercent: number;
	memory: number;
	memoryLimit: number;
	pids: number;
	/** Bytes a second since the sample before. */
	rxRate: number;
	txRate: number;
};

export type StatsHistory = Map<string, Sample[]>;

type Raw = {at: number; cpuNs: number; rx: number; tx: number};

const keep = 60;

/**
 * Resource use of every running container, sampled every `intervalMs` from its cgroup: the
 * latest reading feeds the lists' CPU and memory columns, the last minute the Stats charts.
 * CPU % is CPU time over wall time, 100% being one CPU busy, as `docker stats` counts it.
 */
export const useContainerStats = (engine: Engine, containers: Container[], intervalMs = 1000): StatsHistory => {
	const [history, setHistory] = useState<StatsHistory>(() => new Map());
	const running = containers.filter(container => container.State.Status === 'running');
	const key = running.map(container => container.Id).join(',');

	useEffect(() => {
		if (running.length === 0) {
			setHistory(previous => previous.size === 0 ? previous : new Map());
			return;
		}

		let active = true;
		const raw = new Map<string, Raw>();
		const sample = async (): Promise<void> => {
			const next = new Map<string, Sample[]>();
			for (const container of running) {
				try {
					const {stats} = await engine.containers.stats(container.Id);
					const net = await containerNetIo(container);
					const now = Date.now();
					const previous = raw.get(container.Id);
					const current: Raw = {at: now, cpuNs: stats.cpuUsageNs, rx: net?.rxBytes ?? 0, tx: net?.txBytes ?? 0};
					raw.set(container.Id, current);
					const seconds = previous ? (now - previous.at) / 1000 : 0;
					const reading: Sample = {
						at: now,
						cpuPercent: previous && seconds > 0 ? Math.max(0, (current.cpuNs - previous.cpuNs) / (seconds * 1e9) * 100) : 0,
						memory: stats.memoryUsage,
						memoryLimit: stats.memoryLimit,
						pids: stats.pids,
						rxRate: previous && seconds > 0 ? Math.max(0, (current.rx - previous.rx) / seconds) : 0,
						txRate: previous && seconds > 0 ? Math.max(0, (current.tx - previous.tx) / seconds) : 0,
					};
					next.set(container.Id, [reading]);
				} catch {
					// Stopped between the listing and the reading: it just has no sample.
				}
			}

			if (active) {
				setHistory(previous => {
					const merged = new Map<string, Sample[]>();
					for (const [id, [reading]] of next) {
						merged.set(id, [...(previous.get(id) ?? []), reading!].slice(-keep));
					}

					return merged;
				});
			}
		};

		void sample();
		const timer = setInterval(() => {
			void sample();
		}, intervalMs);
		return () => {
			active = false;
			clearInterval(timer);
		};
	// eslint-disable-next-line react-hooks/exhaustive-deps
	}, [engine, key, intervalMs]);

	return history;
};
