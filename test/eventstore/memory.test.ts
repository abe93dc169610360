import t from 'tap';
import { MemoryEventStore } from '../../core/eventstore/index.js';
import { eventStoreConformance } from './conformance.js';

eventStoreConformance(t, async () => new MemoryEventStore());
