// Before the tests: what test runs that were killed half-way left behind (stores, containers,
// bridges, firewall tables) goes, so that it neither piles up nor gets in the way.
import {sweepOrphanedRoots} from './berth.js';

const swept = sweepOrphanedRoots();
if (swept > 0) {
	console.log(`removed ${swept} test stores left by killed test runs`);
}
