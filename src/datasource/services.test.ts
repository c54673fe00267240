import type { DataFrame } from '@grafana/data';
import { SERVICES_CLUSTER } from '../../e2e/support/services';
import { installDatasource, installTemplates, request } from './testing/harness';

/**
 * The datasource's service-health query types (issue 16) against the live service-health backend
 * (.config/jest/services.ts) through the emulated datasource proxy, over the window its seeding
 * was made for; expected values by hand in e2e/support/services.ts.
 */
const url = () => process.env.FLEETLENS_TEST_SERVICES_URL!;
const anchor = () => Number(process.env.FLEETLENS_TEST_SERVICES_ANCHOR);

function services() {
  installTemplates();
  return installDatasource({ backendUrl: url() });
}

describe('service query types', () => {
  test('service response time: one frame per service in seconds, labelled; web averages 35 ms in every step', async () => {
    const { ds, requests } = services();
    const res = await ds.query(
      request([{ queryType: 'serviceResponseTime', cluster: SERVICES_CLUSTER }], {
        fromSec: anchor() - 600,
        toSec: anchor() + 60,
        maxDataPoints: 11,
      })
    );
    const frames = res.data as DataFrame[];
    // The busiest first (web served every request), then by name.
    expect(frames.map((f) => f.name)).toEqual(['web', 'api', 'checkout']);
    for (const f of frames) {
      expect(f.fields[0].type).toBe('time');
      expect(f.fields[1].config.unit).toBe('s');
      expect(f.fields[1].labels).toMatchObject({ cluster: SERVICES_CLUSTER, service: f.name });
    }
    expect(frames[0].fields[1].labels?.source).toBe('logs');
    expect(frames[1].fields[1].labels?.source).toBe('probe');
    // Every minute of web's logs has 60 requests taking 2.1 s: 35 ms whichever minutes a step holds.
    const web = (frames[0].fields[1].values as Array<number | null>).filter((v): v is number => v !== null);
    expect(web.length).toBeGreaterThan(0);
    for (const v of web) {
      expect(v).toBeCloseTo(0.035, 9);
    }
    expect(requests.every((r) => r.startsWith('/api/datasources/proxy/uid/fleetlens/api/api/v1/'))).toBe(true);
  });

  test('the name pattern narrows the services', async () => {
    const { ds } = services();
    const res = await ds.query(
      request([{ queryType: 'serviceResponseTime', cluster: SERVICES_CLUSTER, name: 'c*' }], {
        fromSec: anchor() - 600,
        toSec: anchor() + 60,
      })
    );
    expect((res.data as DataFrame[]).map((f) => f.name)).toEqual(['checkout']);
  });

  test('HTTP status classes: one row with a field per class, the seeded counts', async () => {
    const { ds } = services();
    const res = await ds.query(
      request([{ queryType: 'statusClasses', cluster: SERVICES_CLUSTER }], {
        fromSec: anchor() - 600,
        toSec: anchor() + 60,
      })
    );
    const [frame] = res.data as DataFrame[];
    // 540 + 30 + 24 + 6 = 600 requests of web's access logs.
    expect(frame.fields.map((f) => [f.name, f.values[0]])).toEqual([
      ['2xx', 540],
      ['3xx', 30],
      ['4xx', 24],
      ['5xx', 6],
    ]);
    expect(frame.meta?.custom?.total).toBe(600);
  });
});
