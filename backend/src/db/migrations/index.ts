import type { Knex } from 'knex';
import { initial } from './0001_initial';
import { access } from './0002_access';
import { alerts } from './0003_alerts';
import { weightsFsAvail } from './0004_weights_fs_avail';
import { containerPressure } from './0005_container_pressure';
import { alertAcks } from './0006_alert_acks';
import { logOrderIndex } from './0008_log_order_index';
import { securityPosture } from './0009_security_posture';
import { serviceHealth } from './0010_service_health';
import { actions } from './0011_actions';
import { actionTargets } from './0012_action_targets';
import { networks } from './0014_networks';
import { autoscaling } from './0015_autoscaling';
import type { Migration } from './types';

/** Every migration, oldest first. Add new ones at the end; never edit one that has shipped. */
const MIGRATIONS: Migration[] = [
  initial,
  access,
  alerts,
  weightsFsAvail,
  containerPressure,
  alertAcks,
  logOrderIndex,
  securityPosture,
  serviceHealth,
  actions,
  actionTargets,
  networks,
  autoscaling,
];

const source: Knex.MigrationSource<Migration> = {
  getMigrations: async () => MIGRATIONS,
  getMigrationName: (m) => m.name,
  getMigration: async (m) => m,
};

/**
 * Brings the schema up to date; safe to run on every start and from several replicas: knex locks
 * the migration, and a replica that finds it locked waits for the other one to finish.
 */
export async function migrate(knex: Knex, waitMs = 120_000): Promise<void> {
  const until = Date.now() + waitMs;
  for (;;) {
    try {
      await knex.migrate.latest({ migrationSource: source, tableName: 'knex_migrations' });
      return;
    } catch (err) {
      // Locked by another replica, or lost the race to create knex's own bookkeeping tables.
      const e = err as Error;
      const contended =
        e?.name === 'MigrationLocked' ||
        /knex_migrations\S*` already exists|knex_migrations\S* already exists/.test(String(e?.message));
      if (!contended || Date.now() > until) throw err;
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
}
