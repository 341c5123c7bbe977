import {useCallback, useMemo, useRef, useState} from 'react';

export type ListCursor<T> = {
	/** The items the filter lets through. */
	visible: T[];
	selectedIndex: number;
	selected: T | undefined;
	filter: string;
	setFilter: (filter: string) => void;
	move: (delta: number) => void;
	moveTo: (index: number) => void;
	/** Selects the item with this key once it is in the list (a new image after a commit). */
	select: (key: string) => void;
	/** The first visible row for a window of `height` rows that keeps the selection in view. */
	windowStart: (height: number) => number;
};

/**
 * A list's selection, kept on the same item (by key) as the list changes under it, and its
 * filter, a case-insensitive substring of the item's text.
 */
export const useListCursor = <T>(items: T[], keyOf: (item: T) => string, textOf: (item: T) => string): ListCursor<T> => {
	const [selectedKey, setSelectedKey] = useState<string>();
	const [lastIndex, setLastIndex] = useState(0);
	const [filter, setFilterState] = useState('');
	// The window's first row, kept between frames so it moves only when the selection leaves it.
	const top = useRef(0);

	const visible = useMemo(() => {
		const needle = filter.toLowerCase();
		return needle === '' ? items : items.filter(item => textOf(item).toLowerCase().includes(needle));
	// eslint-disable-next-line react-hooks/exhaustive-deps
	}, [items, filter]);

	let selectedIndex = selectedKey === undefined ? -1 : visible.findIndex(item => keyOf(item) === selectedKey);
	if (selectedIndex < 0) {
		// The selected item went away: stay at the same place in the list.
		selectedIndex = Math.min(lastIndex, visible.length - 1);
	}

	const moveTo = useCallback((index: number) => {
		if (visible.length === 0) {
			return;
		}

		const clamped = Math.max(0, Math.min(visible.length - 1, index));
		setSelectedKey(keyOf(visible[clamped]!));
		setLastIndex(clamped);
	// eslint-disable-next-line react-hooks/exhaustive-deps
	}, [visible]);

	const move = useCallback((delta: number) => {
		moveTo(Math.max(selectedIndex, 0) + delta);
	}, [moveTo, selectedIndex]);

	const windowStart = (height: number): number => {
		if (height <= 0 || selectedIndex < 0) {
			return 0;
		}

		let start = Math.min(top.current, Math.max(0, visible.length - height));
		if (selectedIndex < start) {
			start = selectedIndex;
		} else if (selectedIndex >= start + height) {
			start = selectedIndex - height + 1;
		}

		top.current = start;
		return start;
	};

	return {
		visible,
		selectedIndex,
		selected: selectedIndex >= 0 ? visible[selectedIndex] : undefined,
		filter,
		setFilter: (next: string) => {
			setFilterState(next);
			top.current = 0;
		},
		move,
		moveTo,
		select: (key: string) => {
			setSelectedKey(key);
		},
		windowStart,
	};
};
