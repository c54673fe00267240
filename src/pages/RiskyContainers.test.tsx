import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import type { ContainerListReply, RiskCountsReply } from '@fleetlens/protocol/api';
import { SECURITY_CONTAINERS } from '../../e2e/support/security';
import { backendGet, pickOption, renderApp } from '../test/harness';
import { RISKS } from '../utils/risks';

// The Risky containers page (issue 17) against a live backend of its own (.config/jest/security.ts):
// three containers whose agent reported posture facts (e2e/support/security.ts), their risk lists
// written by hand there.
describe('Risky containers page against a live backend', () => {
  const backend = () => ({ url: process.env.FLEETLENS_TEST_SECURITY_URL! });

  const rowOf = (name: string) => screen.getByRole('link', { name }).closest('tr')!;

  it('lists the risky containers most risks first with one badge per risk, and the counts', async () => {
    renderApp('security', { backend: backend() });
    const table = await screen.findByRole('table', { name: 'Risky containers' });
    const names = within(table)
      .getAllByRole('row')
      .slice(1)
      .map((r) => within(r).getAllByRole('link')[0].textContent);
    expect(names).toEqual(['sec-priv', 'sec-sock']);
    for (const c of SECURITY_CONTAINERS.filter((x) => x.risks.length)) {
      const badges = within(rowOf(c.name)).getByTestId(/^risks-/);
      expect(badges.dataset.risks).toBe(c.risks.join(','));
      for (const r of c.risks) {
        expect(badges).toHaveTextContent(RISKS[r as keyof typeof RISKS].label);
      }
    }
    const counts = await backendGet<RiskCountsReply>('/security/counts', backend());
    expect(counts).toMatchObject({ assessed: 3, risky: 2 });
    expect(screen.getByTestId('risk-count-total')).toHaveTextContent('2');
    expect(screen.getByTestId('risk-count-sensitiveMount')).toHaveTextContent('1');
    expect(screen.getByTestId('risky-count')).toHaveTextContent('1–2 of 2 risky containers');
  });

  it('filters by risk on the backend', async () => {
    const user = userEvent.setup();
    renderApp('security', { backend: backend() });
    await screen.findByRole('table', { name: 'Risky containers' });
    await pickOption(user, 'Risk', RISKS.sensitiveMount.label);
    const expected = await backendGet<ContainerListReply>('/security/containers?risk=sensitiveMount', backend());
    expect(expected.items.map((c) => c.name)).toEqual(['sec-sock']);
    await waitFor(() => expect(screen.queryByRole('link', { name: 'sec-priv' })).toBeNull());
    expect(screen.getByRole('link', { name: 'sec-sock' })).toBeInTheDocument();
    expect(screen.getByTestId('risky-count')).toHaveTextContent('1–1 of 1 risky containers');
  });

  it('shows the badges on the container page', async () => {
    const list = await backendGet<ContainerListReply>('/containers?pageSize=50', backend());
    const priv = list.items.find((c) => c.name === 'sec-priv')!;
    renderApp(`containers/${priv.id}`, { backend: backend() });
    const badges = await screen.findByTestId('risk-badges');
    expect(badges.dataset.risks).toBe(priv.risks.join(','));
    expect(badges).toHaveTextContent('privileged');
  });

  it('summarises the risks in the containers table: the number, coloured by the worst, the names as tooltip', async () => {
    renderApp('containers', { backend: backend() });
    await screen.findByRole('table', { name: 'Containers' });
    for (const c of SECURITY_CONTAINERS) {
      const cell = within(rowOf(c.name)).getByTestId('risk-summary');
      expect(cell.dataset.risks).toBe(c.risks.join(','));
      expect(cell).toHaveTextContent(
        c.risks.length === 0
          ? '–'
          : c.risks.length === 1
            ? RISKS[c.risks[0] as keyof typeof RISKS].label
            : `${c.risks.length} risks`
      );
    }
  });
});
