import type { Knex } from 'knex';

/** A migration kept in code, so it runs the same from TypeScript sources and from compiled output. */
export interface Migration {
  name: string;
  up(knex: Knex): Promise<void>;
  down(knex: Knex): Promise<void>;
}
