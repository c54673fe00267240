import React, { useMemo, useState } from 'react';
import { Alert as Banner, Button, ConfirmModal, EmptyState, Select, Stack } from '@grafana/ui';
import { Link } from 'react-router-dom';
import type { ContainerListReply, NetworkContainer, NetworkListReply, NetworkRow } from '@fleetlens/protocol/api';
import { useApiData } from '../api/useApiData';
import { useMe } from '../api/useMe';
import { DataTable, type Column } from '../components/DataTable';
import { useFleetlens } from '../components/FleetlensContext';
import { PageLayout } from '../components/PageLayout';
import { CreateNetworkForm } from '../components/networks/CreateNetworkForm';
import { STATE_TEXT, useQueuedAction } from '../components/networks/useQueuedAction';
import { appUrl, ROUTES } from '../constants';

type Confirm =
  | { kind: 'remove'; network: NetworkRow }
  | { kind: 'disconnect'; network: NetworkRow; container: NetworkContainer }
  | null;

const KIND_LABEL: Record<string, string> = {
  'network.create': 'Create network',
  'network.remove': 'Remove network',
  'network.connect': 'Connect',
  'network.disconnect': 'Disconnect',
};

const subnets = (n: NetworkRow) =>
  n.ipam
    .map((p) => p.subnet)
    .filter(Boolean)
    .join(', ') || '–';

/** One node's networks, with Connect offering that node's containers not on the network yet. */
function NodeNetworks({
  cluster,
  node,
  networks,
  canEdit,
  busy,
  onAsk,
  onConnect,
}: {
  cluster: string;
  node: string;
  networks: NetworkRow[];
  canEdit: boolean;
  busy: boolean;
  onAsk: (c: Confirm) => void;
  onConnect: (network: NetworkRow, containerId: string) => void;
}) {
  // The node's containers, for Connect (editors only; the list itself needs none).
  const containers = useApiData<ContainerListReply>(
    `network-containers:${cluster}/${node}`,
    (c, s) => c.get<ContainerListReply>('/containers', { cluster: [cluster], node: [node], pageSize: 500 }, s),
    { enabled: canEdit }
  );
  const columns: Array<Column<NetworkRow>> = [
    { id: 'name', header: 'Network', render: (n) => <strong>{n.name}</strong> },
    { id: 'driver', header: 'Driver', render: (n) => `${n.driver}${n.internal ? ' (internal)' : ''}` },
    { id: 'subnet', header: 'Subnet', render: subnets },
    {
      id: 'containers',
      header: 'Containers',
      render: (n) =>
        n.containers.length === 0 ? (
          '–'
        ) : (
          <ul aria-label={`Containers on ${n.name}`} style={{ listStyle: 'none', margin: 0, padding: 0 }}>
            {n.containers.map((c) => (
              <li key={c.runtimeId}>
                {c.containerId ? <Link to={appUrl(ROUTES.containers, c.containerId)}>{c.name}</Link> : c.name}{' '}
                <code>{c.ipv4 || (c.state && c.state !== 'running' ? c.state : '')}</code>
                {canEdit && c.containerId && (
                  <Button
                    size="sm"
                    variant="secondary"
                    fill="text"
                    disabled={busy}
                    aria-label={`Disconnect ${c.name} from ${n.name}`}
                    onClick={() => onAsk({ kind: 'disconnect', network: n, container: c })}
                  >
                    Disconnect
                  </Button>
                )}
              </li>
            ))}
          </ul>
        ),
    },
  ];
  if (canEdit) {
    columns.push({
      id: 'actions',
      header: 'Actions',
      render: (n) => {
        const on = new Set(n.containers.map((c) => c.runtimeId));
        const options = (containers.data?.items ?? [])
          .filter((c) => !on.has(c.runtimeId))
          .map((c) => ({ label: c.name, value: c.id }));
        return (
          <Stack gap={1} alignItems="center">
            {!n.predefined || n.name === 'bridge' ? (
              <Select
                aria-label={`Connect a container to ${n.name}`}
                placeholder="Connect…"
                noOptionsMessage="No other container on this node"
                options={options}
                value={null}
                disabled={busy}
                onChange={(v) => onConnect(n, String(v.value))}
                width={24}
              />
            ) : null}
            {!n.predefined && (
              <Button
                size="sm"
                variant="destructive"
                disabled={busy}
                aria-label={`Remove network ${n.name}`}
                onClick={() => onAsk({ kind: 'remove', network: n })}
              >
                Remove
              </Button>
            )}
          </Stack>
        );
      },
    });
  }
  return (
    <section aria-label={`Networks on ${node}`}>
      <h3>
        {node} <small>({cluster})</small>
      </h3>
      <DataTable
        label={`Networks on ${node}`}
        testId={`networks-${cluster}-${node}`}
        columns={columns}
        rows={networks}
        rowKey={(n) => n.id}
      />
    </section>
  );
}

/**
 * Networks (issue 15): the Docker networks each node's agent reports, per cluster and node, with
 * driver, subnet and containers. Editors create networks, connect containers of the node, and
 * remove networks or disconnect containers after a confirmation naming them; each request is an
 * action the node's agent runs on its next push, whose state shows until it finishes.
 */
export function NetworksPage() {
  const { clusters } = useFleetlens();
  const me = useMe();
  const queued = useQueuedAction();
  const [confirm, setConfirm] = useState<Confirm>(null);
  const list = useApiData<NetworkListReply>(`networks:${clusters.join(',')}`, (c, s) =>
    c.get<NetworkListReply>('/networks', { cluster: clusters }, s)
  );
  const groups = useMemo(() => {
    const m = new Map<string, { cluster: string; node: string; networks: NetworkRow[] }>();
    for (const n of list.data?.items ?? []) {
      const key = `${n.clusterName}/${n.nodeName}`;
      const g = m.get(key) ?? { cluster: n.clusterName, node: n.nodeName, networks: [] };
      g.networks.push(n);
      m.set(key, g);
    }
    return [...m.values()];
  }, [list.data]);

  const act = async () => {
    const c = confirm;
    setConfirm(null);
    if (!c) {
      return;
    }
    if (c.kind === 'remove') {
      await queued.request('DELETE', `/networks/${encodeURIComponent(c.network.id)}`);
    } else {
      await queued.request('POST', `/networks/${encodeURIComponent(c.network.id)}/disconnect`, {
        container: c.container.containerId,
      });
    }
  };
  const a = queued.action;

  return (
    <PageLayout error={list.error} loading={list.loading}>
      {me.canEdit && groups.length > 0 && (
        <CreateNetworkForm
          nodes={groups.map((g) => ({ cluster: g.cluster, node: g.node }))}
          disabled={queued.pending}
          onSubmit={(body) => void queued.request('POST', '/networks', body)}
        />
      )}
      {a && (
        <p role="status" aria-label="Network action state">
          {KIND_LABEL[a.kind] ?? a.kind} {a.targetName} on {a.nodeName}: {STATE_TEXT[a.state]}
        </p>
      )}
      {a && (a.state === 'failed' || a.state === 'expired') && (
        <Banner severity="error" title={`${KIND_LABEL[a.kind] ?? a.kind} ${a.targetName} ${a.state}`}>
          {a.message ?? ''}
        </Banner>
      )}
      {queued.error && (
        <Banner severity="error" title="The action could not be requested">
          {queued.error.message}
        </Banner>
      )}
      {list.data && groups.length === 0 && (
        <EmptyState variant="not-found" message="No networks reported">
          No agent in view has reported Docker networks yet.
        </EmptyState>
      )}
      {groups.map((g) => (
        <NodeNetworks
          key={`${g.cluster}/${g.node}`}
          {...g}
          canEdit={me.canEdit}
          busy={queued.pending}
          onAsk={setConfirm}
          onConnect={(n, container) =>
            void queued.request('POST', `/networks/${encodeURIComponent(n.id)}/connect`, { container })
          }
        />
      ))}
      <ConfirmModal
        isOpen={confirm !== null}
        title={
          confirm?.kind === 'remove'
            ? `Remove network ${confirm.network.name}?`
            : confirm
              ? `Disconnect ${confirm.container.name} from ${confirm.network.name}?`
              : ''
        }
        body={
          confirm?.kind === 'remove'
            ? `Network ${confirm.network.name} on ${confirm.network.nodeName} will be removed. This cannot be undone.`
            : confirm
              ? `${confirm.container.name} loses its address on ${confirm.network.name} (${confirm.network.nodeName}).`
              : ''
        }
        confirmText={confirm?.kind === 'remove' ? 'Remove' : 'Disconnect'}
        onConfirm={() => void act()}
        onDismiss={() => setConfirm(null)}
      />
    </PageLayout>
  );
}
