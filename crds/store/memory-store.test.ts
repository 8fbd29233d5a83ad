import { describeStoreContract } from '../../test/crds/store-contract';
import { MemoryStore } from './memory-store';

describeStoreContract('MemoryStore', async (options) => new MemoryStore(options));
