import { PanelPlugin } from '@grafana/data';
import { TopContainersPanel } from './TopContainersPanel';
import { TOP_METRIC_LABELS, type TopContainersOptions } from './types';

export const plugin = new PanelPlugin<TopContainersOptions>(TopContainersPanel).setPanelOptions((builder) =>
  builder
    .addNumberInput({
      path: 'limit',
      name: 'Containers (N)',
      description: 'How many containers to list; the query should return at least this many (its Limit)',
      defaultValue: 10,
      settings: { min: 1, max: 100, integer: true },
    })
    .addSelect({
      path: 'metric',
      name: 'Metric',
      description:
        'The value shown first and ranked by. "From the query" keeps the backend ranking; another metric re-ranks the rows the query returned.',
      defaultValue: 'auto',
      settings: {
        options: [
          { value: 'auto', label: 'From the query' },
          ...Object.entries(TOP_METRIC_LABELS).map(([value, label]) => ({ value, label })),
        ],
      },
    })
);
