import { migrationsFrom } from '@pastemesh/kit/storage';
import * as createPastes from './202611230900-create-pastes.js';
import * as contentLocation from './202612060900-content-location.js';

/** Every migration under the name kysely records it by (its file's); pending ones run in name order at start-up. */
export const pasteMigrations = migrationsFrom({
  '202611230900-create-pastes': createPastes,
  '202612060900-content-location': contentLocation,
});
