import React, { useEffect, useMemo, useState } from 'react';
import type { SelectableValue } from '@grafana/data';
import { Select } from '@grafana/ui';
import type { ContainerListReply, ContainerRow } from '@fleetlens/protocol/api';
import { useFleetlens } from '../FleetlensContext';

/** Containers offered per search (the backend searches all of them by name, image and pod). */
export const PICKER_PAGE = 50;
/** Pause after the last keystroke before asking the backend. */
const DEBOUNCE_MS = 200;

interface Props {
  label: string;
  /** A container entity id, or '' for all. */
  value: string;
  onChange(id: string): void;
  width?: number;
}

const describe = (c: ContainerRow) => `${c.nodeName} · ${c.clusterName}${c.namespace ? ` · ${c.namespace}` : ''}`;

/**
 * Picks one container (or all) by searching the backend as the user types, so every container is
 * reachable however many there are; each option names its node and cluster.
 */
export function ContainerPicker({ label, value, onChange, width = 30 }: Props) {
  const { client, clusters } = useFleetlens();
  const [input, setInput] = useState('');
  const [query, setQuery] = useState('');
  const clusterKey = clusters.join(',');
  const requestKey = `${clusterKey}|${query}`;
  const [found, setFound] = useState<{ key: string; reply: ContainerListReply }>();
  const [fetched, setFetched] = useState<ContainerRow>();
  const reply = found?.reply;
  const loading = found?.key !== requestKey;

  useEffect(() => {
    const t = window.setTimeout(() => setQuery(input.trim()), DEBOUNCE_MS);
    return () => window.clearTimeout(t);
  }, [input]);

  useEffect(() => {
    const controller = new AbortController();
    client
      .containers(
        { cluster: clusters, q: query || undefined, pageSize: PICKER_PAGE, includeGone: true, sort: 'name' },
        controller.signal
      )
      .then(
        (r) => setFound({ key: requestKey, reply: r }),
        () => undefined
      );
    return () => controller.abort();
    // `requestKey` stands for `clusters` and `query`.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [client, requestKey]);

  // The chosen container's name even when it is not among the current matches (a shared URL).
  const listed = value ? reply?.items.find((c) => c.id === value) : undefined;
  const chosen = listed ?? (fetched?.id === value ? fetched : undefined);
  const needLookup = !!value && !!reply && !chosen;
  useEffect(() => {
    if (!needLookup) {
      return undefined;
    }
    const controller = new AbortController();
    client.container(value, controller.signal).then(
      (c) => setFetched(c),
      () => undefined
    );
    return () => controller.abort();
  }, [client, value, needLookup]);

  const options = useMemo(() => {
    const list: Array<SelectableValue<string>> = [{ label: 'All containers', value: '' }];
    for (const c of reply?.items ?? []) {
      list.push({ label: c.name, value: c.id, description: describe(c) });
    }
    const more = (reply?.total ?? 0) - (reply?.items.length ?? 0);
    if (more > 0) {
      list.push({
        label: `${more} more match${more === 1 ? '' : 'es'}: type to narrow`,
        value: '__more__',
        isDisabled: true,
      });
    }
    return list;
  }, [reply]);

  const current: SelectableValue<string> = !value
    ? options[0]
    : chosen
      ? { label: chosen.name, value, description: describe(chosen) }
      : { label: value, value };

  return (
    <Select
      aria-label={label}
      width={width}
      options={options}
      value={current}
      onChange={(o) => onChange(o?.value && o.value !== '__more__' ? o.value : '')}
      inputValue={input}
      onInputChange={(v, meta) => {
        if (meta.action === 'input-change') {
          setInput(v);
        } else if (meta.action === 'menu-close') {
          setInput('');
        }
      }}
      // The backend already matched the text; every option it returned is shown.
      filterOption={() => true}
      isLoading={loading}
      isSearchable
      noOptionsMessage="No container matches"
    />
  );
}
