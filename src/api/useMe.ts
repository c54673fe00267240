import type { MeReply } from '@fleetlens/protocol/api/access';
import { useApiData, type ApiData } from './useApiData';

export interface Me extends ApiData<MeReply> {
  /** May change rules and silences (editor or admin). */
  canEdit: boolean;
  /** May administer users, tokens, keys and channels. */
  isAdmin: boolean;
}

/** The signed-in user as the backend sees them (`GET /me`): role and scopes decide what the pages offer. */
export function useMe(): Me {
  const me = useApiData<MeReply>('me', (c, signal) => c.me(signal));
  const role = me.data?.role;
  return { ...me, canEdit: role === 'admin' || role === 'editor', isAdmin: role === 'admin' };
}
