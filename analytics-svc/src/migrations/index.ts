import { migrationsFrom } from '@pastemesh/kit/storage';
import * as createAnalyticsTables from './202611231000-create-analytics-tables.js';
import * as viewEventCount from './202611231400-view-event-count.js';

/** Every migration under the name kysely records it by (its file's); pending ones run in name order at start-up. */
export const analyticsMigrations = migrationsFrom({
  '202611231000-create-analytics-tables': createAnalyticsTables,
  '202611231400-view-event-count': viewEventCount,
});
