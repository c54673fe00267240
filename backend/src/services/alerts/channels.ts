import { alerts as wire } from '@fleetlens/protocol';
import type { Db } from '../../db/connection';
import { NotFoundError } from '../context';
import { newId, parseJson } from './common';

type Row = Record<string, unknown>;

export type WebhookConfig = wire.ChannelInput & { type: 'webhook' } extends { config: infer C } ? C : never;
export type SlackConfig = wire.ChannelInput & { type: 'slack' } extends { config: infer C } ? C : never;
export type EmailConfig = wire.ChannelInput & { type: 'email' } extends { config: infer C } ? C : never;

/** A channel with its secrets, as senders need it. Never log or return one of these. */
export interface StoredChannel {
  id: string;
  name: string;
  type: wire.ChannelType;
  enabled: boolean;
  config: Record<string, unknown>;
  createdAt: number;
  updatedAt: number;
}

const MASK = '***';

/** An URL with only its scheme and host left: the path and query of webhook URLs carry tokens. */
export function maskUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}/${MASK}`;
  } catch {
    return MASK;
  }
}

/** The channel's configuration with every secret masked. */
export function maskConfig(type: wire.ChannelType, config: Record<string, unknown>): Record<string, unknown> {
  const c = { ...config };
  if (type === 'webhook' || type === 'slack') c.url = maskUrl(String(c.url ?? ''));
  if (type === 'webhook')
    c.headers = Object.fromEntries(Object.keys((c.headers as Record<string, string>) ?? {}).map((k) => [k, MASK]));
  if (type === 'email') c.password = c.password ? MASK : null;
  return c;
}

/** Every secret string in a channel's configuration, to scrub them out of error messages. */
export function secretsOf(ch: StoredChannel): string[] {
  const c = ch.config;
  const out: string[] = [];
  if (typeof c.url === 'string') {
    out.push(c.url);
    try {
      const u = new URL(c.url);
      if (u.pathname.length > 1) out.push(u.pathname);
      if (u.search) out.push(u.search.slice(1));
      if (u.password) out.push(u.password);
    } catch {
      /* not a URL */
    }
  }
  for (const v of Object.values((c.headers as Record<string, string>) ?? {})) if (v) out.push(v);
  if (typeof c.password === 'string' && c.password) out.push(c.password);
  return out.filter((s) => s.length >= 4).sort((a, b) => b.length - a.length);
}

/** Replaces every secret of the channel in a message with `***`. */
export function scrub(text: string, ch: StoredChannel): string {
  let t = text;
  for (const s of secretsOf(ch)) t = t.split(s).join(MASK);
  return t;
}

const toStored = (r: Row): StoredChannel => ({
  id: String(r.id),
  name: String(r.name),
  type: r.type as wire.ChannelType,
  enabled: !!r.enabled,
  config: parseJson<Record<string, unknown>>(r.config, {}),
  createdAt: Number(r.created_at),
  updatedAt: Number(r.updated_at),
});

export const toChannel = (s: StoredChannel): wire.Channel => ({ ...s, config: maskConfig(s.type, s.config) });

/**
 * Keeps stored secrets where an update sends back their masked form, so a client can edit a
 * channel's name or recipients without knowing (or re-entering) its webhook URL or password.
 */
function keepMaskedSecrets(input: wire.ChannelInput, cur: StoredChannel | null): wire.ChannelInput {
  if (!cur || cur.type !== input.type) return input;
  const c = { ...(input.config as Record<string, unknown>) };
  const old = cur.config;
  if ((input.type === 'webhook' || input.type === 'slack') && c.url === maskUrl(String(old.url ?? ''))) c.url = old.url;
  if (input.type === 'webhook') {
    const oh = (old.headers as Record<string, string>) ?? {};
    c.headers = Object.fromEntries(
      Object.entries((c.headers as Record<string, string>) ?? {}).map(([k, v]) => [
        k,
        v === MASK && k in oh ? oh[k] : v,
      ])
    );
  }
  if (input.type === 'email' && c.password === MASK) c.password = old.password ?? null;
  return { ...input, config: c } as wire.ChannelInput;
}

/** Notification channels (webhook, Slack-compatible webhook, e-mail over SMTP). */
export class ChannelService {
  constructor(
    private readonly db: Db,
    private readonly now: () => number
  ) {}

  async list(): Promise<wire.ChannelListReply> {
    const rows = await this.db
      .knex('notification_channels')
      .select('*')
      .orderBy([{ column: 'name' }, { column: 'id' }]);
    return { items: rows.map(toStored).map(toChannel) };
  }

  /** A channel with its secrets (for senders). */
  async stored(id: string): Promise<StoredChannel> {
    const row = await this.db.knex('notification_channels').where('id', id).first();
    if (!row) throw new NotFoundError(`notification channel ${id} not found`);
    return toStored(row);
  }

  async get(id: string): Promise<wire.Channel> {
    return toChannel(await this.stored(id));
  }

  async create(input: wire.ChannelInput): Promise<wire.Channel> {
    const now = this.now();
    const id = newId();
    await this.db.knex('notification_channels').insert({
      id,
      name: input.name,
      type: input.type,
      enabled: input.enabled,
      config: JSON.stringify(input.config),
      created_at: now,
      updated_at: now,
    });
    return this.get(id);
  }

  async replace(id: string, raw: wire.ChannelInput): Promise<wire.Channel> {
    const cur = await this.stored(id);
    const input = keepMaskedSecrets(raw, cur);
    await this.db
      .knex('notification_channels')
      .where('id', id)
      .update({
        name: input.name,
        type: input.type,
        enabled: input.enabled,
        config: JSON.stringify(input.config),
        updated_at: this.now(),
      });
    return this.get(id);
  }

  /** Deletes a channel and takes it out of every rule; past deliveries stay listed. */
  async remove(id: string): Promise<void> {
    await this.stored(id);
    const k = this.db.knex;
    await k.transaction(async (trx) => {
      await trx('notification_channels').where('id', id).delete();
      const rules = await trx('alert_rules').select('id', 'channel_ids');
      for (const r of rules) {
        const ids = parseJson<string[]>(r.channel_ids, []);
        if (ids.includes(id))
          await trx('alert_rules')
            .where('id', r.id)
            .update({ channel_ids: JSON.stringify(ids.filter((x) => x !== id)) });
      }
    });
  }
}
