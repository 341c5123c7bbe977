import {useEffect, useRef, useState} from 'react';
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

/** How long the shown containers must stay the same before a first reading of them. */
const settleMs = 150;

/**
 * Resource use of the running containers on screen (the rows in view, the selected one),
 * sampled every `intervalMs` from their cgroups: the latest reading feeds the lists' CPU and
 * memory columns, the last minute the Stats charts. CPU % is CPU time over wall time, 100%
 * being one CPU busy, as `docker stats` counts it.
 *
 * Only what is shown is read: a reading costs about 2 ms of CPU (the container's state, its
 * cgroup, its /proc/PID/net/dev), so 200 running containers read every second took half a
 * CPU. A container that comes into view is read once the view has settled, not at every move
 * of a key held down; one that leaves it keeps the history it has.
 */
export const useContainerStats = (engine: Engine, containers: Container[], shown: Container[], intervalMs = 1000): StatsHistory => {
	const [history, setHistory] = useState<StatsHistory>(() => new Map());
	const running = shown.filter(container => container.State.Status === 'running');
	const key = running.map(container => container.Id).join(',');
	const targets = useRef(running);
	targets.current = running;
	const all = useRef(containers);
	all.current = containers;
	// Readings before, for the rates: kept while the shown set changes.
	const raw = useRef(new Map<string, Raw>());
	const anyRunning = containers.some(container => container.State.Status === 'running');

	useEffect(() => {
		if (!anyRunning) {
			raw.current.clear();
			setHistory(previous => previous.size === 0 ? previous : new Map());
		}
	}, [anyRunning]);

	useEffect(() => {
		if (key === '') {
			return;
		}

		let active = true;
		const sample = async (): Promise<void> => {
			const next = new Map<string, Sample>();
			for (const container of targets.current) {
				try {
					const {stats} = await engine.containers.stats(container.Id);
					const net = await containerNetIo(container);
					const now = Date.now();
					const last = raw.current.get(container.Id);
					// A reading from before the container left the view is no base for a rate now.
					const previous = last && now - last.at <= intervalMs * 3 ? last : undefined;
					const current: Raw = {at: now, cpuNs: stats.cpuUsageNs, rx: net?.rxBytes ?? 0, tx: net?.txBytes ?? 0};
					raw.current.set(container.Id, current);
					const seconds = previous ? (now - previous.at) / 1000 : 0;
					next.set(container.Id, {
						at: now,
						cpuPercent: previous && seconds > 0 ? Math.max(0, (current.cpuNs - previous.cpuNs) / (seconds * 1e9) * 100) : 0,
						memory: stats.memoryUsage,
						memoryLimit: stats.memoryLimit,
						pids: stats.pids,
						rxRate: previous && seconds > 0 ? Math.max(0, (current.rx - previous.rx) / seconds) : 0,
						txRate: previous && seconds > 0 ? Math.max(0, (current.tx - previous.tx) / seconds) : 0,
					});
				} catch {
					// Stopped between the listing and the reading: it just has no sample.
				}
			}

			if (active) {
				const stillRunning = new Set(all.current.filter(container => container.State.Status === 'running').map(container => container.Id));
				for (const id of raw.current.keys()) {
					if (!stillRunning.has(id)) {
						raw.current.delete(id);
					}
				}

				setHistory(previous => {
					const merged = new Map<string, Sample[]>();
					for (const id of stillRunning) {
						const before = previous.get(id);
						const reading = next.get(id);
						if (reading) {
							merged.set(id, [...before ?? [], reading].slice(-keep));
						} else if (before) {
							merged.set(id, before);
						}
					}

					return merged;
				});
			}
		};

		const first = setTimeout(() => {
			void sample();
		}, settleMs);
		const timer = setInterval(() => {
			void sample();
		}, intervalMs);
		return () => {
			active = false;
			clearTimeout(first);
			clearInterval(timer);
		};
	}, [engine, key, intervalMs]);

	return history;
};
