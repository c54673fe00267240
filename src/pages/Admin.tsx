import React, { useMemo, useState } from 'react';
import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { LoadingPlaceholder, Tab, TabContent, TabsBar, useStyles2 } from '@grafana/ui';
import type { AgentTokenListReply, ApiKeyListReply, UserListReply } from '@fleetlens/protocol/api/access';
import { useApiData } from '../api/useApiData';
import { useMe } from '../api/useMe';
import { AuditLog } from '../components/admin/AuditLog';
import { AgentsList } from '../components/AgentStatus';
import { AgentTokens, ApiKeys } from '../components/admin/Credentials';
import { NotAllowed } from '../components/admin/NotAllowed';
import { Users } from '../components/admin/Users';
import { useFleetlens } from '../components/FleetlensContext';
import { PageLayout } from '../components/PageLayout';
import { rangeKey, toSeconds } from '../utils/time';

type TabId = 'users' | 'tokens' | 'keys' | 'agents' | 'audit';

/** Administration (Fleetlens admins only): users, agent tokens, API keys, agents and their health, audit log. */
export function AdminPage() {
  const me = useMe();
  if (!me.data) {
    return (
      <PageLayout error={me.error} hideClusterPicker>
        {!me.error && <LoadingPlaceholder text="Checking your Fleetlens role…" />}
      </PageLayout>
    );
  }
  if (!me.isAdmin) {
    return (
      <PageLayout hideClusterPicker>
        <NotAllowed role={me.data.role} what="Administration" />
      </PageLayout>
    );
  }
  return <AdminContent selfId={me.data.userId} />;
}

function AdminContent({ selfId }: { selfId: string | null }) {
  const styles = useStyles2(getStyles);
  const { client, refreshNow, range, rawRange } = useFleetlens();
  const rk = rangeKey(rawRange);
  // Resolved when the chosen range changes, not at every refresh (the audit filters keep their page):
  // `rk` stands for the range on purpose.
  // eslint-disable-next-line react-hooks/exhaustive-deps
  const { from, to } = useMemo(() => toSeconds(range), [rk]);
  const [tab, setTab] = useState<TabId>('users');
  const users = useApiData<UserListReply>('users', (c, s) => c.users(s));
  const tokens = useApiData<AgentTokenListReply>('agent-tokens', (c, s) => c.agentTokens(s), {
    enabled: tab === 'tokens',
  });
  const keys = useApiData<ApiKeyListReply>('api-keys', (c, s) => c.apiKeys(s), { enabled: tab === 'keys' });
  return (
    <PageLayout error={users.error ?? tokens.error ?? keys.error} loading={users.loading} hideClusterPicker>
      <TabsBar>
        <Tab
          label="Users"
          active={tab === 'users'}
          onChangeTab={() => setTab('users')}
          counter={users.data?.items.length}
        />
        <Tab label="Agent tokens" active={tab === 'tokens'} onChangeTab={() => setTab('tokens')} />
        <Tab label="API keys" active={tab === 'keys'} onChangeTab={() => setTab('keys')} />
        <Tab label="Agents" active={tab === 'agents'} onChangeTab={() => setTab('agents')} />
        <Tab label="Audit log" active={tab === 'audit'} onChangeTab={() => setTab('audit')} />
      </TabsBar>
      <TabContent className={styles.content}>
        {tab === 'users' && users.data && <Users client={client} users={users.data.items} onChanged={refreshNow} />}
        {tab === 'tokens' && tokens.data && (
          <AgentTokens client={client} tokens={tokens.data.items} onChanged={refreshNow} />
        )}
        {tab === 'keys' && keys.data && (
          <ApiKeys
            client={client}
            keys={keys.data.items}
            users={users.data?.items ?? []}
            selfId={selfId}
            onChanged={refreshNow}
          />
        )}
        {tab === 'agents' && <AgentsList />}
        {tab === 'audit' && <AuditLog from={from} to={rawRange.to === 'now' ? undefined : to} />}
      </TabContent>
    </PageLayout>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  content: css({ paddingTop: theme.spacing(2) }),
});
