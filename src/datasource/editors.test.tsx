import React from 'react';
import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import type { DataSourceSettings } from '@grafana/data';
import { pickOption } from '../test/harness';
import { ConfigEditor } from './ConfigEditor';
import { QueryEditor } from './QueryEditor';
import type { FleetlensDataSource } from './datasource';
import type { FleetlensOptions, FleetlensQuery } from './types';

function settings(over: Partial<DataSourceSettings<FleetlensOptions>> = {}): DataSourceSettings<FleetlensOptions> {
  return {
    id: 1,
    uid: 'fleetlens',
    orgId: 1,
    name: 'Fleetlens',
    type: 'fleetlens-monitor-datasource',
    typeName: 'Fleetlens',
    typeLogoUrl: '',
    access: 'proxy',
    url: '',
    user: '',
    database: '',
    basicAuth: false,
    basicAuthUser: '',
    isDefault: false,
    jsonData: { backendUrl: 'http://backend:8480' },
    secureJsonFields: {},
    readOnly: false,
    withCredentials: false,
    ...over,
  } as DataSourceSettings<FleetlensOptions>;
}

describe('config editor', () => {
  test('backend URL in jsonData; a set API key shows as configured and can be reset, a new one goes to secureJsonData.apiKey', async () => {
    const user = userEvent.setup();
    const onOptionsChange = jest.fn();
    const { rerender } = render(
      <ConfigEditor options={settings({ secureJsonFields: { apiKey: true } })} onOptionsChange={onOptionsChange} />
    );
    expect(screen.getByDisplayValue('http://backend:8480')).toBeInTheDocument();
    expect(screen.getByDisplayValue('configured')).toBeDisabled();
    // The help text says whose role and scopes apply.
    expect(screen.getByText(/sees what the key's owner may see: that user's role and scopes/)).toBeInTheDocument();
    await user.click(screen.getByRole('button', { name: 'Reset' }));
    expect(onOptionsChange).toHaveBeenLastCalledWith(
      expect.objectContaining({ secureJsonFields: { apiKey: false }, secureJsonData: { apiKey: '' } })
    );
    rerender(<ConfigEditor options={settings()} onOptionsChange={onOptionsChange} />);
    await user.type(screen.getByPlaceholderText('flk_…'), 'k');
    expect(onOptionsChange).toHaveBeenLastCalledWith(expect.objectContaining({ secureJsonData: { apiKey: 'k' } }));
    const saved = JSON.stringify(onOptionsChange.mock.lastCall[0].jsonData);
    expect(saved).not.toContain('apiKey');
    expect(saved).not.toContain('serviceKey');
  });
});

describe('query editor', () => {
  test('switching to Top containers shows the limit; filters commit on blur and run the query', async () => {
    const user = userEvent.setup();
    let query: FleetlensQuery = { refId: 'A', queryType: 'timeseries', kind: 'node', metric: 'cpuCores' };
    const onChange = jest.fn((q: FleetlensQuery) => (query = q));
    const onRunQuery = jest.fn();
    const ds = {} as FleetlensDataSource;
    const { rerender } = render(
      <QueryEditor datasource={ds} query={query} onChange={onChange} onRunQuery={onRunQuery} />
    );
    expect(screen.getByLabelText('Group by')).toBeInTheDocument();
    // A time series offers its PromQL for Grafana alert rules (src/datasource/promql.test.ts checks the numbers).
    expect((screen.getByLabelText('PromQL equivalent') as HTMLInputElement).value).toBe(
      'avg_over_time(fleetlens_node_cpu_usage_cores[$__interval])'
    );
    await pickOption(user, 'Query type', 'Top containers');
    expect(query.queryType).toBe('top');
    rerender(<QueryEditor datasource={ds} query={query} onChange={onChange} onRunQuery={onRunQuery} />);
    expect(screen.getByLabelText('Limit')).toBeInTheDocument();
    expect(screen.queryByLabelText('Group by')).not.toBeInTheDocument();
    expect(screen.queryByLabelText('PromQL equivalent')).not.toBeInTheDocument();
    await user.type(screen.getByLabelText('Cluster filter'), '$cluster');
    await user.tab();
    expect(query).toMatchObject({ queryType: 'top', cluster: '$cluster' });
    expect(onRunQuery).toHaveBeenCalledTimes(2);
  });
});
