import { migrationsFrom } from '@pastemesh/kit/storage';
import * as createPastes from './202611230900-create-pastes.js';

/** Every migration under the name kysely records it by (its file's); pending ones run in name order at start-up. */
export const pasteMigrations = migrationsFrom({
  '202611230900-create-pastes': createPastes,
});
