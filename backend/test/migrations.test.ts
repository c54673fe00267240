import { openDb } from '../src/db/connection';
import { migrate } from '../src/db/migrations';
import { createTestDatabase, DIALECTS } from './helpers/databases';

describe.each(DIALECTS)('migrations on %s', (dialect) => {
  it("two replicas starting at once both come up: the second waits for the first one's lock", async () => {
    const database = await createTestDatabase(dialect);
    const a = openDb(database.url);
    const b = openDb(database.url);
    try {
      await Promise.all([migrate(a.knex), migrate(b.knex)]);
      const done = await a.knex('knex_migrations').select('name').orderBy('id');
      expect(done.map((r) => r.name)).toEqual([
        '0001_initial',
        '0002_access',
        '0003_alerts',
        '0004_weights_fs_avail',
        '0005_container_pressure',
        '0006_alert_acks',
        '0008_log_order_index',
        '0009_security_posture',
        '0010_service_health',
        '0011_actions',
        '0012_action_targets',
        '0014_networks',
        '0015_autoscaling',
      ]);
      await migrate(a.knex); // and again on the next start: nothing to do
    } finally {
      await a.knex.destroy();
      await b.knex.destroy();
      await database.drop();
    }
    // Longer than migrate()'s own 120 s wait for the lock, so that a stuck lock fails with its
    // error rather than jest's timeout (a CI run on MariaDB passed 60 s here once).
  }, 180_000);
});
