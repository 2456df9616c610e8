import { describeMigrations } from '@pastemesh/kit/testing/migration-suite';
import { pasteMigrations } from './index.js';

describeMigrations({
  service: 'paste-svc',
  migrations: pasteMigrations,
  folder: new URL('.', import.meta.url),
  // Made by the code before migrations were one kysely file each, i.e. what every existing database holds.
  existingSchema: new URL('../testing/existing-schema.json', import.meta.url),
});
