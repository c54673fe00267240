import type { alerts as wire } from '@fleetlens/protocol';
import type { Db } from '../../db/connection';
import { AccessError } from '../access/errors';
import { NotFoundError } from '../context';
import { applyScope, type Scope } from '../scope';
import { filteredAlerts, toAlert } from './queries';

const ALERT_SCOPE = { clusterName: 'a.cluster_name', namespace: 'a.namespace', nodeName: 'a.node_name' };
const ACTIVE = ['pending', 'firing'];

/**
 * Acknowledgement of active alerts: who is on it, since when, and why. An acknowledgement changes
 * nothing else (the alert keeps firing and notifying; a silence mutes); it is cleared when the
 * alert resolves, so a new episode of the same condition starts unacknowledged. Callers act only
 * on alerts their scope shows them (others are not found).
 */
export class AlertAcks {
  constructor(
    private readonly db: Db,
    private readonly now: () => number
  ) {}

  /** The alert row if the scope shows it; 404 otherwise. */
  private async visible(scope: Scope, id: string) {
    const row = await applyScope(this.db.knex('alerts as a').where('a.id', id), scope, ALERT_SCOPE).first('a.*');
    if (!row) throw new NotFoundError(`alert ${id} not found`);
    return row as Record<string, unknown>;
  }

  /** The alert as the API shows it, if the scope shows it (the audit's "before"). */
  async get(scope: Scope, id: string): Promise<wire.Alert> {
    return toAlert(await this.visible(scope, id));
  }

  /**
   * Acknowledges a pending or firing alert as `by` (the caller's audit name) now, with a comment;
   * acknowledging again replaces who, when and the comment. A resolved alert is 409.
   */
  async acknowledge(scope: Scope, id: string, by: string, comment: string): Promise<wire.Alert> {
    const row = await this.visible(scope, id);
    const n = await this.db
      .knex('alerts')
      .where('id', id)
      .whereIn('state', ACTIVE)
      .update({ ack_by: by.slice(0, 320), ack_at: this.now(), ack_comment: comment });
    if (n !== 1)
      throw new AccessError(409, `alert ${id} is ${String(row.state)}: only pending or firing alerts are acknowledged`);
    return this.get(scope, id);
  }

  /** Removes the acknowledgement of an alert (no-op when there is none). */
  async unacknowledge(scope: Scope, id: string): Promise<wire.Alert> {
    await this.visible(scope, id);
    await this.db.knex('alerts').where('id', id).update({ ack_by: null, ack_at: null, ack_comment: null });
    return this.get(scope, id);
  }

  /**
   * Acknowledges every unacknowledged pending or firing alert of a rule that the scope shows,
   * narrowed by cluster and severity like the list; returns their ids (none is not an error).
   */
  async acknowledgeGroup(scope: Scope, input: wire.AlertGroupAckInput, by: string): Promise<wire.AlertGroupAckReply> {
    const k = this.db.knex;
    const ids: string[] = (
      await filteredAlerts(k, scope, {
        ruleId: input.ruleId,
        cluster: input.cluster,
        severity: input.severity,
        state: ['pending', 'firing'],
        acknowledged: 'false',
      })
        .orderBy('a.id')
        .select('a.id')
    ).map((r: { id: string }) => String(r.id));
    const done: string[] = [];
    const at = this.now();
    for (let i = 0; i < ids.length; i += 500) {
      const part = ids.slice(i, i + 500);
      await k('alerts')
        .whereIn('id', part)
        .whereIn('state', ACTIVE)
        .whereNull('ack_at')
        .update({ ack_by: by.slice(0, 320), ack_at: at, ack_comment: input.comment });
      const acked = await k('alerts')
        .whereIn('id', part)
        .where({ ack_at: at, ack_by: by.slice(0, 320) })
        .select('id');
      done.push(...acked.map((r: { id: string }) => String(r.id)));
    }
    return { acknowledged: done.length, ids: done.sort() };
  }
}
