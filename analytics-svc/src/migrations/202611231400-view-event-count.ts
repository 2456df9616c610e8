import type { Kysely } from 'kysely';

// Frozen once deployed, like every migration; imports nothing but kysely.

/**
 * A view event may stand for several reads (ViewEvent.count): the raw row keeps
 * how many, so the rollups can always be rebuilt from raw events. Existing rows
 * were one read each.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('view_events')
    .addColumn('view_count', 'integer', (c) => c.notNull().defaultTo(1))
    .execute();
}

/** Drops the column `up` added. */
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('view_events').dropColumn('view_count').execute();
}
