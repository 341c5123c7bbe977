import {useCallback, useState} from 'react';
import type {ProgressEvent} from '../engine-calls.js';

export type LayerProgress = {digest: string; phase: string; current?: number; total?: number};

export type Progress = {
	title: string;
	layers: LayerProgress[];
	digest?: string;
	done: boolean;
};

export type ProgressApi = {
	progress?: Progress;
	begin: (title: string) => void;
	update: (event: ProgressEvent) => void;
	finish: () => void;
	dismiss: () => void;
};

/** A pull's or push's progress, one bar per layer, from the registry client's typed events. */
export const useProgress = (): ProgressApi => {
	const [progress, setProgress] = useState<Progress>();
	const begin = useCallback((title: string) => {
		setProgress({title, layers: [], done: false});
	}, []);
	const update = useCallback((event: ProgressEvent) => {
		setProgress(previous => {
			if (!previous) {
				return previous;
			}

			if (event.type === 'layer') {
				const layer = {digest: event.digest, phase: event.phase, current: event.current, total: event.total};
				const index = previous.layers.findIndex(item => item.digest === event.digest);
				const layers = index < 0 ? [...previous.layers, layer] : previous.layers.map((item, at) => at === index ? {...item, ...layer} : item);
				return {...previous, layers};
			}

			if (event.type === 'digest') {
				return {...previous, digest: event.digest};
			}

			return previous;
		});
	}, []);
	const finish = useCallback(() => {
		setProgress(previous => previous && {...previous, done: true});
	}, []);
	const dismiss = useCallback(() => {
		setProgress(undefined);
	}, []);
	return {progress, begin, update, finish, dismiss};
};
