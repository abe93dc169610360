import t from 'tap';
import { PostgresEventStore } from '../../adapters/eventstore/postgres/index.js';
import { testDatabase } from '../support/database.js';
import { eventStoreConformance } from './conformance.js';

// One migrated database for the suite: the suite keeps its subtests apart by category names.
const { pool } = await testDatabase(t);

eventStoreConformance(t, async () => new PostgresEventStore(pool));
