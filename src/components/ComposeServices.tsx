import React, { useMemo } from 'react';
import type {
  Action,
  ComposeScaleRequestInput,
  ComposeService,
  ComposeServiceListReply,
} from '@fleetlens/protocol/api';
import { useApiData } from '../api/useApiData';
import { useMe } from '../api/useMe';
import { ScaleControl } from './actions/ScaleControl';
import { DataTable, type Column } from './DataTable';
import { useFleetlens } from './FleetlensContext';

/** What scaling a Compose service down does (decision 35), for the confirmation. */
function composeDownText(from: number, to: number): string {
  if (to === 0) {
    return `all ${from} running stop: the oldest container is kept, stopped, so that scaling up again can copy its configuration; the others are removed (their volumes stay).`;
  }
  return `goes from ${from} to ${to} running: the newest ${from - to} container${from - to === 1 ? '' : 's'} will be stopped and removed (their volumes stay).`;
}

/** The Scale control of one Compose service: queues compose.scale for its host's agent. */
function ComposeScale({ svc }: { svc: ComposeService }) {
  const { client } = useFleetlens();
  const name = `${svc.project}/${svc.service}`;
  return (
    <ScaleControl
      target={name}
      where={`on ${svc.nodeName} (${svc.clusterName})`}
      current={svc.running}
      downText={composeDownText}
      scale={(replicas) => {
        const body: ComposeScaleRequestInput = {
          cluster: svc.clusterName,
          node: svc.nodeName,
          project: svc.project,
          service: svc.service,
          replicas,
        };
        return client.send<Action>('POST', '/compose/services/scale', body);
      }}
    />
  );
}

/**
 * The Compose services of the Docker hosts in the picked clusters (containers sharing the
 * com.docker.compose.project and .service labels on one host), with a Scale control for editors.
 * Renders nothing where there are none.
 */
export function ComposeServices() {
  const { clusters } = useFleetlens();
  const me = useMe();
  const services = useApiData<ComposeServiceListReply>(`compose-services:${clusters.join(',')}`, (c, signal) =>
    c.get('/compose/services', clusters.length ? { cluster: clusters.join(',') } : {}, signal)
  );
  const columns = useMemo<Array<Column<ComposeService>>>(
    () => [
      { id: 'project', header: 'Project', render: (s) => s.project },
      { id: 'service', header: 'Service', render: (s) => s.service },
      { id: 'node', header: 'Node', render: (s) => `${s.nodeName} (${s.clusterName})` },
      { id: 'image', header: 'Image', render: (s) => s.image },
      { id: 'replicas', header: 'Running / total', align: 'right', render: (s) => `${s.running} / ${s.total}` },
      ...(me.canEdit
        ? [{ id: 'scale', header: 'Scale', render: (s: ComposeService) => <ComposeScale svc={s} /> }]
        : []),
    ],
    [me.canEdit]
  );
  const items = services.data?.items ?? [];
  if (!items.length) {
    return null;
  }
  return (
    <section aria-label="Compose services">
      <h3>Compose services</h3>
      <DataTable
        label="Compose services"
        testId="compose-services-table"
        columns={columns}
        rows={items}
        rowKey={(s) => `${s.clusterName}/${s.nodeName}/${s.project}/${s.service}`}
      />
    </section>
  );
}
