/**
 * intersectScopes (backend/src/services/scope.ts): what a credential and a verified Grafana user
 * both allow. Each expected value below is worked out by hand from the rule: per dimension, null
 * (no restriction) yields the other side; two lists yield the names in both.
 */
import { intersectScopes, type Scope } from '../src/services/scope';

const ALL: Scope = { clusters: null, namespaces: null, nodes: null };
const NONE: Scope = { clusters: [], namespaces: null, nodes: null };

describe('intersectScopes', () => {
  it.each<[string, Scope, Scope, Scope]>([
    ['all ∩ all = all', ALL, ALL, ALL],
    ['all ∩ cluster east = cluster east', ALL, { ...ALL, clusters: ['east'] }, { ...ALL, clusters: ['east'] }],
    ['cluster east ∩ all = cluster east', { ...ALL, clusters: ['east'] }, ALL, { ...ALL, clusters: ['east'] }],
    ['nothing ∩ all = nothing', NONE, ALL, NONE],
    ['all ∩ nothing = nothing', ALL, NONE, NONE],
    [
      'clusters {east, west} ∩ {west, north} = {west}',
      { ...ALL, clusters: ['east', 'west'] },
      { ...ALL, clusters: ['west', 'north'] },
      { ...ALL, clusters: ['west'] },
    ],
    [
      'disjoint cluster lists = nothing (an empty list, not "no restriction")',
      { ...ALL, clusters: ['east'] },
      { ...ALL, clusters: ['west'] },
      { ...ALL, clusters: [] },
    ],
    [
      'different dimensions combine: cluster west ∩ namespace shop = west/shop',
      { ...ALL, clusters: ['west'] },
      { ...ALL, namespaces: ['shop'] },
      { clusters: ['west'], namespaces: ['shop'], nodes: null },
    ],
    [
      'all three dimensions at once',
      { clusters: ['a', 'b'], namespaces: null, nodes: ['n1', 'n2', 'n3'] },
      { clusters: ['b', 'c'], namespaces: ['shop', 'ops'], nodes: ['n3', 'n1'] },
      { clusters: ['b'], namespaces: ['shop', 'ops'], nodes: ['n1', 'n3'] },
    ],
    [
      'duplicates collapse',
      { ...ALL, nodes: ['n1', 'n1', 'n2'] },
      { ...ALL, nodes: ['n1', 'n2', 'n2'] },
      { ...ALL, nodes: ['n1', 'n2'] },
    ],
  ])('%s', (_name, a, b, want) => {
    expect(intersectScopes(a, b)).toEqual(want);
  });

  it('is commutative up to order and never widens either side', () => {
    const a: Scope = { clusters: ['x', 'y'], namespaces: ['p'], nodes: null };
    const b: Scope = { clusters: ['y', 'z'], namespaces: null, nodes: ['n'] };
    const ab = intersectScopes(a, b);
    const ba = intersectScopes(b, a);
    for (const k of ['clusters', 'namespaces', 'nodes'] as const) {
      expect([...(ab[k] ?? ['*'])].sort()).toEqual([...(ba[k] ?? ['*'])].sort());
      for (const side of [a, b]) if (side[k] !== null) for (const v of ab[k] ?? []) expect(side[k]).toContain(v);
    }
    expect(ab).toEqual({ clusters: ['y'], namespaces: ['p'], nodes: ['n'] });
  });
});
