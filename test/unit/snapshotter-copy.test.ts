import {CopySnapshotter} from '../../source/storage/snapshotter-copy.js';
import {snapshotterSuite} from './snapshotter-suite.js';

snapshotterSuite(() => new CopySnapshotter());
