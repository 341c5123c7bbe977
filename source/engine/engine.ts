/**
 * The engine both front ends call: one object over the stores under BERTH_ROOT and BERTH_RUN.
 * It holds no state of its own beyond what is on disk, so any number of berth processes can
 * use the same roots at once.
 */
import {BlobStore} from '../storage/blobs.js';
import {LayerStore} from '../storage/layers.js';
import {selectSnapshotter, type Snapshotter} from '../storage/snapshotter-select.js';
import {ImageStore} from '../image/store.js';
import {ContainerStore} from '../runtime/container-store.js';
import {detectCgroups} from '../runtime/cgroups/detect.js';
import type {CgroupManager} from '../runtime/cgroups/manager.js';
import {EventLog} from './events.js';
import {defaultRoots, type Roots} from './paths.js';
import {Containers} from './containers.js';
import {ContainerFiles} from './files.js';
import {Images} from './images.js';
import {Registry} from './registry.js';
import {Networks} from './networks.js';

export class Engine {
	readonly roots: Roots;
	readonly blobs: BlobStore;
	readonly layerStore: LayerStore;
	readonly imageStore: ImageStore;
	readonly containerStore: ContainerStore;
	readonly events: EventLog;
	readonly containers: Containers;
	readonly images: Images;
	readonly registry: Registry;
	readonly networks: Networks;
	readonly files: ContainerFiles;
	private snapshotterPromise?: Promise<Snapshotter>;
	private cgroupManager?: CgroupManager;

	constructor(roots: Roots = defaultRoots()) {
		this.roots = roots;
		this.blobs = new BlobStore(roots.root);
		this.layerStore = new LayerStore(roots.root);
		this.imageStore = new ImageStore(roots.root, this.blobs);
		this.containerStore = new ContainerStore(roots.root, roots.run);
		this.events = new EventLog(roots.root);
		this.containers = new Containers(this);
		this.images = new Images(this);
		this.registry = new Registry(this);
		this.networks = new Networks(this);
		this.files = new ContainerFiles(this);
	}

	/** Overlay where the kernel and filesystem allow it, else copies (BERTH_STORAGE_DRIVER picks one). */
	async snapshotter(): Promise<Snapshotter> {
		this.snapshotterPromise ??= selectSnapshotter(this.roots.root, process.env.BERTH_STORAGE_DRIVER);
		return this.snapshotterPromise;
	}

	/**
	 * Removes the temporary files and directories that killed berth processes left; cheap
	 * (a few readdirs), so the commands that write to the stores call it first.
	 */
	async sweep(): Promise<void> {
		await Promise.all([this.containerStore.sweep(), this.blobs.sweep(), this.layerStore.sweep(), this.networks.sweep()]);
	}

	cgroups(): CgroupManager {
		this.cgroupManager ??= detectCgroups();
		return this.cgroupManager;
	}
}
