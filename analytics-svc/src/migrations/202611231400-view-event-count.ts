import type { Kysely, Migration } from 'kysely';

// Frozen once deployed, like every migration.

/**
 * A view event may stand for several reads (ViewEvent.count): the raw row keeps
 * how many, so the rollups can always be rebuilt from raw events. Existing rows
 * were one read each.
 */
export function addViewEventCount(): Migration {
  return {
    async up(db: Kysely<any>) {
      await db.schema.alterTable('view_events').addColumn('view_count', 'integer', (c) => c.notNull().defaultTo(1)).execute();
    },
    async down(db: Kysely<any>) {
      await db.schema.alterTable('view_events').dropColumn('view_count').execute();
    },
  };
}
