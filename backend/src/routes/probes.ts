import { api } from '@fleetlens/protocol';
import type { AppDeps } from '../app';
import { FULL_SCOPE } from '../services/scope';
import { callerName, mountRoutes, type RouteSpec } from './mount';
import type { Endpoint } from './query';

const before = (d: AppDeps, p: Record<string, string>) => d.probes.get(FULL_SCOPE, p.id);

/** Defined probes, read (issue 16): any role, within scope. */
export const PROBE_READS: Endpoint[] = [
  {
    path: '/probes',
    summary: 'Probes editors defined, with the node whose agent runs each now',
    query: api.ProbeDefinitionListQuery,
    reply: api.ProbeDefinitionListReply,
    handle: (d, s, q) => d.probes.list(s, q),
  },
  {
    path: '/probes/:id',
    summary: 'One defined probe',
    reply: api.ProbeDefinitionRow,
    handle: (d, s, _q, p) => d.probes.get(s, p.id),
  },
];

/** Defined probes, written: editor or admin within scope, audited. */
export const PROBE_WRITES: RouteSpec[] = [
  {
    method: 'post',
    path: '/probes',
    summary: 'Define a probe (editor or admin, within scope); an agent of the cluster runs it from its next push',
    access: 'editor',
    body: api.ProbeDefinitionInput,
    reply: api.ProbeDefinitionRow,
    status: 201,
    audit: { action: 'probe.create', targetType: 'probe' },
    handle: (d, c, i) => d.probes.create(i.body, callerName(c), c!.scope),
  },
  {
    method: 'put',
    path: '/probes/:id',
    summary: 'Replace a defined probe (editor or admin, within scope)',
    access: 'editor',
    body: api.ProbeDefinitionInput,
    reply: api.ProbeDefinitionRow,
    audit: { action: 'probe.update', targetType: 'probe', before },
    handle: (d, c, i) => d.probes.replace(c!.scope, i.params.id, i.body),
  },
  {
    method: 'delete',
    path: '/probes/:id',
    summary: 'Delete a defined probe; its past runs stay until retention (editor or admin, within scope)',
    access: 'editor',
    audit: { action: 'probe.delete', targetType: 'probe', before },
    handle: (d, c, i) => d.probes.remove(c!.scope, i.params.id),
  },
];

/** Router for PROBE_WRITES. */
export const probeRoutes = (deps: AppDeps) => mountRoutes(deps, PROBE_WRITES);
