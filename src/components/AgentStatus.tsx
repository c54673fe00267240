import React from 'react';
import { Badge, EmptyState } from '@grafana/ui';
import type { AgentListReply, AgentSummary } from '@fleetlens/protocol/api';
import { useApiData } from '../api/useApiData';
import { formatAgo, formatTime, formatUnit, NO_VALUE } from '../utils/format';
import { DataTable, type Column } from './DataTable';
import { MetaList } from './MetaList';

/** A clock further off than this (either way) is flagged: the backend refuses samples 300 s ahead. */
const SKEW_WARNING_SECONDS = 60;

/** The agent's clock minus the backend's, e.g. "+120 s" (flagged when large), "in sync" at 0. */
export function ClockSkew({ seconds }: { seconds: number | null | undefined }) {
  if (seconds === null || seconds === undefined) {
    return <>{NO_VALUE}</>;
  }
  const text = seconds === 0 ? 'in sync' : `${seconds > 0 ? '+' : '−'}${Math.abs(seconds)} s`;
  return Math.abs(seconds) > SKEW_WARNING_SECONDS ? (
    <Badge color="orange" icon="clock-nine" text={`${text} (clock off)`} />
  ) : (
    <>{text}</>
  );
}

const spool = (a: AgentSummary) =>
  a.status ? `${a.status.spoolBatches} batches, ${formatUnit('bytes', a.status.spoolBytes)}` : NO_VALUE;

/** Dropped batches and their samples, e.g. "3 batches (9 samples)"; a badge when any were dropped. */
function Dropped({ agent }: { agent: AgentSummary }) {
  const s = agent.status;
  if (!s) {
    return <>{NO_VALUE}</>;
  }
  const text = `${s.droppedBatches} batches${s.droppedSamples !== undefined ? ` (${s.droppedSamples} samples)` : ''}`;
  return s.droppedBatches > 0 ? <Badge color="red" icon="exclamation-triangle" text={text} /> : <>{text}</>;
}

const writeErrors = (a: AgentSummary) => {
  const s = a.status;
  if (!s || s.spoolWriteErrors === undefined) {
    return NO_VALUE;
  }
  return s.spoolWriteErrors === 0 ? '0' : `${s.spoolWriteErrors} (last: ${s.spoolLastWriteError ?? 'unknown'})`;
};

const COLUMNS: Array<Column<AgentSummary>> = [
  { id: 'agent', header: 'Agent', render: (a) => `${a.hostname}${a.mode === 'cluster' ? ' (cluster)' : ''}` },
  { id: 'cluster', header: 'Cluster', render: (a) => a.cluster },
  { id: 'version', header: 'Version', render: (a) => a.version },
  { id: 'seen', header: 'Last seen', render: (a) => formatAgo(a.lastSeen) },
  { id: 'skew', header: 'Clock skew', render: (a) => <ClockSkew seconds={a.status?.clockSkewSeconds} /> },
  { id: 'spool', header: 'Spool', render: spool },
  { id: 'dropped', header: 'Dropped', render: (a) => <Dropped agent={a} /> },
  { id: 'errors', header: 'Spool write errors', render: writeErrors },
  {
    id: 'rejected',
    header: 'Rejected',
    align: 'right',
    render: (a) => (a.status ? a.status.rejectedBatches : NO_VALUE),
  },
];

/** Every agent in the caller's scope with what its newest batch reported (admin "Agents" tab). */
export function AgentsList() {
  const agents = useApiData<AgentListReply>('agents', (c, s) => c.get('/agents', {}, s));
  if (agents.error) {return <EmptyState variant="not-found" message={`Agents could not be loaded: ${agents.error.message}`} />;} // prettier-ignore
  if (!agents.data) {
    return null;
  }
  if (agents.data.items.length === 0) {
    return <EmptyState variant="not-found" message="No agent has reported yet" />;
  }
  return <DataTable label="Agents" testId="agents" columns={COLUMNS} rows={agents.data.items} rowKey={(a) => a.id} />;
}

/** The agent that reports one node, with its health counters (node page). */
export function NodeAgentStatus({ nodeId }: { nodeId: string }) {
  const agents = useApiData<AgentListReply>(`agents:${nodeId}`, (c, s) => c.get('/agents', { node: nodeId }, s), {
    keepPrevious: false,
  });
  const a = agents.data?.items[0];
  if (!agents.data) {
    return null;
  }
  return (
    <>
      <h3>Agent</h3>
      {a ? (
        <MetaList
          label="Agent status"
          items={[
            ['Version', a.version],
            ['Last report', formatTime(a.lastSeen)],
            ['Last delivered', a.status?.lastPushAt ? formatTime(a.status.lastPushAt) : NO_VALUE],
            ['Clock skew', <ClockSkew key="k" seconds={a.status?.clockSkewSeconds} />],
            ['Spool', spool(a)],
            ['Dropped', <Dropped key="d" agent={a} />],
            ['Spool write errors', writeErrors(a)],
            ['Rejected by the backend', a.status ? String(a.status.rejectedBatches) : NO_VALUE],
            // Where container figures come from, e.g. a cgroup the node agent cannot read (issue 12).
            ...(a.status?.containerUsage ? [['Container figures', a.status.containerUsage] as [string, string]] : []),
            // Probes the agent does not run because of its limit (issue 16): a cut must not be silent.
            ...(a.status?.probesOverLimit
              ? [
                  [
                    'Probes not run',
                    <Badge
                      key="p"
                      color="orange"
                      icon="exclamation-triangle"
                      text={`${a.status.probesOverLimit} over the agent's limit (FLEETLENS_PROBE_MAX)`}
                    />,
                  ] as [string, React.ReactNode],
                ]
              : []),
          ]}
        />
      ) : (
        <p>No agent reports this node.</p>
      )}
    </>
  );
}
