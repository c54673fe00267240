import React, { useMemo } from 'react';
import type { NamespaceListReply } from '@fleetlens/protocol/api';
import { useApiData } from '../api/useApiData';
import { EntityFilter } from './EntityFilter';
import { useFleetlens } from './FleetlensContext';

/** The "Namespace" filter of a page: the Kubernetes namespaces of the selected clusters, by name. */
export function NamespaceFilter({ value, onChange }: { value: string; onChange(value: string): void }) {
  const { clusters } = useFleetlens();
  const namespaces = useApiData<NamespaceListReply>(`namespace-filter:${clusters.join(',')}`, (c, s) =>
    c.namespaces(clusters, s)
  );
  // The same name in two clusters is one choice: the filter is by name.
  const options = useMemo(
    () => [...new Set((namespaces.data?.items ?? []).map((n) => n.name))].sort().map((n) => ({ label: n, value: n })),
    [namespaces.data]
  );
  return (
    <EntityFilter label="Namespace" allLabel="All namespaces" options={options} value={value} onChange={onChange} />
  );
}
