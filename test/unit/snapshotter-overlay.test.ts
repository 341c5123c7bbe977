import {OverlaySnapshotter} from '../../source/storage/snapshotter-overlay.js';
import {snapshotterSuite} from './snapshotter-suite.js';

snapshotterSuite(() => new OverlaySnapshotter());
