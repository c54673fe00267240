import type { Migration } from './types';

/**
 * Acknowledgement of active alerts (issue 14 item 4): who (the caller's audit name), when and an
 * optional comment, on the alert row itself; the evaluator clears them when the alert resolves.
 */
export const alertAcks: Migration = {
  name: '0006_alert_acks',
  async up(knex) {
    await knex.schema.alterTable('alerts', (t) => {
      t.string('ack_by', 320).nullable();
      t.integer('ack_at').unsigned().nullable();
      t.string('ack_comment', 1024).nullable();
    });
  },
  async down(knex) {
    await knex.schema.alterTable('alerts', (t) => {
      t.dropColumn('ack_comment');
      t.dropColumn('ack_at');
      t.dropColumn('ack_by');
    });
  },
};
