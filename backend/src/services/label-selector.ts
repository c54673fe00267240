import type { LabelSelector } from '@fleetlens/protocol';

/**
 * Whether a Kubernetes label selector selects an object with `labels`, as the API server decides
 * it: staging/src/k8s.io/apimachinery/pkg/apis/meta/v1/helpers.go LabelSelectorAsSelector (a
 * selector without matchLabels and matchExpressions is labels.Everything(); matchLabels are
 * Equals requirements; the four operators map to selection.In, NotIn, Exists, DoesNotExist; all
 * are ANDed) and pkg/labels/selector.go Requirement.Matches (In: the key is present with one of
 * the values; NotIn: the key is absent or its value is none of them; Exists / DoesNotExist: the key
 * is present / absent). NewRequirement refuses In/NotIn without values and Exists/DoesNotExist
 * with values; such a selector is an error there, and selects nothing here.
 */
export function selects(selector: LabelSelector, labels: Record<string, string>): boolean {
  const has = (k: string) => Object.prototype.hasOwnProperty.call(labels, k);
  for (const [k, v] of Object.entries(selector.matchLabels ?? {})) if (!has(k) || labels[k] !== v) return false;
  for (const e of selector.matchExpressions ?? []) {
    const values = e.values ?? [];
    switch (e.operator) {
      case 'In':
        if (!values.length || !has(e.key) || !values.includes(labels[e.key])) return false;
        break;
      case 'NotIn':
        if (!values.length || (has(e.key) && values.includes(labels[e.key]))) return false;
        break;
      case 'Exists':
        if (values.length || !has(e.key)) return false;
        break;
      case 'DoesNotExist':
        if (values.length || has(e.key)) return false;
        break;
      default:
        return false;
    }
  }
  return true;
}
