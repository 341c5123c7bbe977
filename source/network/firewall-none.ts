/** No firewall: containers reach each other on their bridge, but nothing is NATed or published. */
import type {Firewall} from './firewall.js';

export const noFirewall = (): Firewall => ({
	name: 'none',
	publishes: false,
	async add() {},
	async remove() {},
	async clear() {},
});
