import { PanelPlugin } from '@grafana/data';
import { DEFAULT_THRESHOLDS } from '../../types';
import { NodeHeatmapPanel } from './NodeHeatmapPanel';
import type { NodeHeatmapOptions } from './types';

export const plugin = new PanelPlugin<NodeHeatmapOptions>(NodeHeatmapPanel).setPanelOptions((builder) =>
  builder
    .addRadio({
      path: 'metric',
      name: 'Metric',
      description: 'The field of the Nodes table that colours the tiles',
      defaultValue: 'cpuPercent',
      settings: {
        options: [
          { value: 'cpuPercent', label: 'CPU' },
          { value: 'memPercent', label: 'Memory' },
          { value: 'fsPercent', label: 'Disk' },
        ],
      },
    })
    .addNumberInput({
      path: 'warn',
      name: 'Warning from (%)',
      description: 'Tiles turn yellow from this value',
      defaultValue: DEFAULT_THRESHOLDS.warn,
      settings: { min: 1, max: 99, integer: true },
    })
    .addNumberInput({
      path: 'crit',
      name: 'Critical from (%)',
      description: 'Tiles turn red from this value (must be above the warning value)',
      defaultValue: DEFAULT_THRESHOLDS.crit,
      settings: { min: 2, max: 100, integer: true },
    })
);
