import {useEffect, useLayoutEffect, useRef, useState} from 'react';

/**
 * Draws the screen again once `text` (what of the screen time alone moves on: "Up 5 minutes",
 * "2 hours ago") reads otherwise than when it was last drawn, looked at every `intervalMs`.
 * Nothing in berth's state changes for those to move on, and a screen whose times still read
 * the same is not drawn again: each frame is work that a key pressed meanwhile waits for.
 */
export const useRedrawWhen = (text: () => string, intervalMs = 1000): void => {
	const [, redraw] = useState(0);
	const latest = useRef(text);
	latest.current = text;
	const drawn = useRef('');
	// As the frame is committed, before a tick can come between it and a passive effect.
	useLayoutEffect(() => {
		drawn.current = latest.current();
	});
	useEffect(() => {
		const timer = setInterval(() => {
			if (latest.current() !== drawn.current) {
				redraw(count => count + 1);
			}
		}, intervalMs);
		return () => {
			clearInterval(timer);
		};
	}, [intervalMs]);
};
