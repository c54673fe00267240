import { screen } from '@testing-library/react';
import type { NodeListReply } from '@fleetlens/protocol/api';
import { backendGet, renderApp } from '../test/harness';
import { usageLevel } from './UsageBar';

describe('Usage bars', () => {
  it('are green below the warning threshold, yellow from it, red from the critical one', () => {
    const t = { warn: 70, crit: 90 };
    expect([69.9, 70, 89.9, 90, 100].map((p) => usageLevel(p, t))).toEqual(['ok', 'warn', 'warn', 'crit', 'crit']);
    expect(usageLevel(null, t)).toBe('none');
  });

  it('follow the thresholds set on the configuration page', async () => {
    // Yellow from 10 %, red from 25 %: every node's CPU bar takes the band its percentage falls in.
    renderApp('nodes', { jsonData: { warnPercent: 10, critPercent: 25 } });
    await screen.findByRole('table', { name: 'Nodes' });
    const nodes = await backendGet<NodeListReply>('/nodes');
    for (const n of nodes.items) {
      const expected = n.cpuPercent! >= 25 ? 'crit' : n.cpuPercent! >= 10 ? 'warn' : 'ok';
      expect(screen.getByRole('meter', { name: `${n.name} CPU` })).toHaveAttribute('data-level', expected);
    }
    // A node over the critical threshold reads "Warning".
    expect(screen.getAllByText('Warning').length).toBe(
      nodes.items.filter((n) => [n.cpuPercent, n.memPercent, n.fsPercent].some((p) => p !== null && p >= 25)).length
    );
  });
});
