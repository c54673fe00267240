import fs from 'node:fs';
import path from 'node:path';
import type { DataFrame } from '@grafana/data';
import { backendUrl, serviceKey } from '../test/harness';
import { installDatasource, installTemplates, request } from '../datasource/testing/harness';
import type { FleetlensQuery } from '../datasource/types';
import { REQUIRED_FIELDS as HEATMAP_FIELDS } from '../panels/node-heatmap/NodeHeatmapPanel';
import { REQUIRED_FIELDS as TOP_FIELDS } from '../panels/top-containers/TopContainersPanel';

/**
 * Every query of every provisioned dashboard, run through the datasource against the live test
 * backend with the dashboard's variables resolved the way Grafana would: each query variable's
 * values from the datasource's metricFindQuery, "All" as the variable's custom all value, a
 * single-value variable as its first value. Each query must return data of the shape its panel
 * reads.
 */

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const DIR = __dirname;
const files = fs.readdirSync(DIR).filter((f) => f.endsWith('.json'));

test('there are four dashboards', () => {
  expect(files.sort()).toEqual([
    'cluster-overview.json',
    'container-detail.json',
    'kubernetes-workloads.json',
    'node-detail.json',
  ]);
});

describe.each(files)('%s', (file) => {
  const d: Json = JSON.parse(fs.readFileSync(path.join(DIR, file), 'utf8'));

  test('its variables resolve and every panel query returns data of the shape its panel reads', async () => {
    const templates = installTemplates();
    const { ds } = installDatasource({ backendUrl: backendUrl('fleet'), serviceKey: serviceKey() });
    for (const v of d.templating.list as Json[]) {
      if (v.type !== 'query') {
        continue;
      }
      const values = (await ds.metricFindQuery(v.query)).map((x) => String(x.value));
      expect({ variable: v.name, some: values.length > 0 }).toEqual({ variable: v.name, some: true });
      templates.vars[v.name] = v.includeAll ? v.allValue : values[0];
    }
    const to = Math.floor(Date.now() / 1000);
    for (const p of d.panels as Json[]) {
      const res = await ds.query(
        request(p.targets as FleetlensQuery[], {
          fromSec: to - 1800,
          toSec: to,
          maxDataPoints: 200,
          intervalMs: 10_000,
        })
      );
      const frames = res.data as DataFrame[];
      const names = (f: DataFrame) => f.fields.map((x) => x.name);
      const what = { dashboard: file, panel: p.title };
      if (p.type === 'fleetlens-nodeheatmap-panel') {
        expect({
          ...what,
          fields: HEATMAP_FIELDS.every((n) => names(frames[0]).includes(n)),
          rows: frames[0].length > 0,
        }).toEqual({ ...what, fields: true, rows: true });
        expect(names(frames[0])).toContain(p.options.metric);
      } else if (p.type === 'fleetlens-topcontainers-panel') {
        expect({
          ...what,
          fields: TOP_FIELDS.every((n) => names(frames[0]).includes(n)),
          rows: frames[0].length > 0,
        }).toEqual({ ...what, fields: true, rows: true });
      } else if (p.type === 'timeseries') {
        const withValues = frames.filter((f) => f.fields[1]?.values.some((v) => v !== null));
        expect({ ...what, series: withValues.length > 0 }).toEqual({ ...what, series: true });
        for (const f of withValues) {
          expect({ ...what, unit: f.fields[1].config.unit }).toEqual({ ...what, unit: p.fieldConfig.defaults.unit });
        }
      } else {
        expect({ ...what, rows: frames[0].length > 0 }).toEqual({ ...what, rows: true });
      }
    }
    // Annotation queries run too (the test fleet has no events, so they return empty frames).
    for (const a of d.annotations.list as Json[]) {
      if (!a.target) {
        continue;
      }
      const res = await ds.query(request([a.target], { fromSec: to - 1800, toSec: to }));
      expect((res.data as DataFrame[])[0].fields.map((f) => f.name)).toEqual(
        expect.arrayContaining(['time', 'title', 'text', 'tags'])
      );
    }
  });
});
