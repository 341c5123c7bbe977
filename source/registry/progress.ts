/**
 * What a pull or a push reports while it runs, as typed events: the CLI draws them as lines
 * (bars in place on a terminal), the TUI as panels. Each blob of an image goes through a few
 * phases, keyed by its digest; the image as a whole gets a few status events around them.
 *
 * Pull, per layer: waiting -> downloading (bytes of total) -> verifying -> extracting -> done,
 * or `exists` when the layer is already in the store. Push, per blob: waiting -> pushing ->
 * done, or `exists` when the registry has it, or `mounted` from another repository.
 */
import type {Digest} from '../storage/blobs.js';

export type LayerPhase = 'waiting' | 'downloading' | 'verifying' | 'extracting' | 'pushing' | 'exists' | 'mounted' | 'done';

export type ProgressEvent =
	/** A pull or push of one reference starts. */
	| {type: 'start'; action: 'pull' | 'push'; reference: string}
	| {type: 'layer'; digest: Digest; phase: LayerPhase; current?: number; total?: number; from?: string}
	/** The reference's manifest digest, once known (pull) or accepted by the registry (push). */
	| {type: 'digest'; reference: string; digest: Digest; size: number}
	/** The end of one reference: `fresh` when something new came in or went up. */
	| {type: 'end'; reference: string; fresh: boolean};

export type OnProgress = (event: ProgressEvent) => void;
