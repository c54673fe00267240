import React, { useMemo } from 'react';
import type { SelectableValue } from '@grafana/data';
import { Select } from '@grafana/ui';
import type { ClusterListReply } from '@fleetlens/protocol/api';
import { useApiData } from '../api/useApiData';
import { useFleetlens } from './FleetlensContext';
import { environmentLabel } from './EnvironmentTag';

const ALL = '';

/** The hybrid-view filter: all clusters, or one, each labelled with its environment. */
export function ClusterPicker() {
  const { clusters, setClusters } = useFleetlens();
  const { data } = useApiData<ClusterListReply>('clusters', (c, signal) => c.clusters(signal));

  const options = useMemo<Array<SelectableValue<string>>>(
    () => [
      { label: 'All clusters', value: ALL, description: 'Every cluster and Docker host group' },
      ...(data?.items ?? []).map((c) => ({
        label: `${c.name} · ${environmentLabel(c.environment)}`,
        value: c.name,
        description: `${c.kind === 'kubernetes' ? 'Kubernetes' : 'Docker'} · ${environmentLabel(c.environment)}`,
      })),
    ],
    [data]
  );
  const current = clusters[0] ?? ALL;
  // A cluster chosen before the list has loaded (from the URL) still shows by name.
  const value = options.find((o) => o.value === current) ?? { label: current, value: current };

  return (
    <Select
      aria-label="Cluster"
      inputId="fleetlens-cluster"
      width={32}
      options={options}
      value={value}
      onChange={(o) => setClusters(o?.value ? [o.value] : [])}
    />
  );
}
