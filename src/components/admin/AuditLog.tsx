import React, { useState } from 'react';
import { EmptyState, Stack } from '@grafana/ui';
import type { AuditEntry, AuditListReply } from '@fleetlens/protocol/api/access';
import { useApiData } from '../../api/useApiData';
import { DataTable, TablePager, type Column } from '../DataTable';
import { ErrorBanner } from '../ErrorBanner';
import { SearchBox } from '../SearchBox';
import { formatTime } from '../../utils/format';

export const AUDIT_PAGE_SIZE = 25;

function Json({ value }: { value: unknown }) {
  if (value === null || value === undefined) {
    return <span>–</span>;
  }
  return (
    <details>
      <summary>show</summary>
      <pre style={{ maxWidth: 420, whiteSpace: 'pre-wrap', margin: 0 }}>{JSON.stringify(value, null, 2)}</pre>
    </details>
  );
}

const columns: Array<Column<AuditEntry>> = [
  { id: 'ts', header: 'Time', render: (e) => formatTime(e.ts) },
  { id: 'actor', header: 'Who', render: (e) => e.actor },
  { id: 'action', header: 'What', render: (e) => e.action },
  { id: 'target', header: 'Target', render: (e) => `${e.targetType}${e.targetId ? ` ${e.targetId}` : ''}` },
  { id: 'before', header: 'Before', render: (e) => <Json value={e.before} /> },
  { id: 'after', header: 'After', render: (e) => <Json value={e.after} /> },
];

/** The audit log, newest first, with filters by actor, action and target type, within the page's time range. */
export function AuditLog({ from, to }: { from: number; to?: number }) {
  const [actor, setActor] = useState('');
  const [action, setAction] = useState('');
  const [targetType, setTargetType] = useState('');
  const filterKey = JSON.stringify({ actor, action, targetType, from, to });
  const [pageState, setPageState] = useState({ key: filterKey, page: 1 });
  const page = pageState.key === filterKey ? pageState.page : 1;
  const params = {
    actor: actor || undefined,
    action: action || undefined,
    targetType: targetType || undefined,
    from,
    to,
    page,
    pageSize: AUDIT_PAGE_SIZE,
  };
  const audit = useApiData<AuditListReply>(`audit:${JSON.stringify(params)}`, (c, s) => c.audit(params, s));
  const data = audit.data;
  return (
    <div>
      <Stack gap={1} wrap="wrap">
        <SearchBox label="Audit actor" placeholder="Who (e-mail or user id)" value={actor} onChange={setActor} />
        <SearchBox label="Audit action" placeholder="Action, e.g. user.create" value={action} onChange={setAction} />
        <SearchBox
          label="Audit target type"
          placeholder="Target type, e.g. user"
          value={targetType}
          onChange={setTargetType}
        />
      </Stack>
      {audit.error && <ErrorBanner error={audit.error} />}
      {data && data.items.length === 0 && (
        <EmptyState variant="not-found" message="No audit entries match">
          Changes to users, tokens, keys, rules, silences and channels appear here. Clear the filters or widen the time
          range.
        </EmptyState>
      )}
      {data && data.items.length > 0 && (
        <>
          <div style={{ marginTop: 8 }}>
            <DataTable
              label="Audit log"
              testId="audit-table"
              columns={columns}
              rows={data.items}
              rowKey={(e) => String(e.id)}
            />
          </div>
          <TablePager
            page={data.page}
            pageSize={data.pageSize}
            total={data.total}
            shown={data.items.length}
            what="entries"
            onPage={(p) => setPageState({ key: filterKey, page: p })}
            testId="audit-count"
          />
        </>
      )}
    </div>
  );
}
