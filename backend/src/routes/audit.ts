import { access } from '@fleetlens/protocol';
import type { RouteSpec } from './mount';

/** The audit log, admins only. */
export const AUDIT_ROUTES: RouteSpec[] = [
  {
    method: 'get',
    path: '/audit',
    summary: 'Audit log, newest first, filtered by actor, action, target type and time (admin)',
    access: 'admin',
    query: access.AuditQuery,
    reply: access.AuditListReply,
    handle: (d, _c, i) => d.access.audit.list(i.query),
  },
];
