import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import type { TopReply } from '@fleetlens/protocol/api';
import { backendGet, pickOption, renderApp } from '../test/harness';

/** Container names in the top list, in rank order. */
function topNames(): string[] {
  return screen.getAllByTestId('top-item').map((li) => within(li).getAllByRole('link')[0].textContent ?? '');
}

describe('Monitoring page against a live backend', () => {
  it('ranks the top 10 containers by CPU as the backend does, with rank badges', async () => {
    renderApp('monitoring');
    await screen.findAllByTestId('top-item');
    const top = await backendGet<TopReply>('/top?metric=cpuCores&window=3600&limit=10');
    expect(top.items).toHaveLength(10);
    expect(topNames()).toEqual(top.items.map((i) => i.name));
    expect(screen.getByLabelText('Rank 1')).toHaveTextContent('1');
    expect(screen.getByLabelText('Rank 10')).toHaveTextContent('10');
    // The ranking is by the CPU average: it never increases down the list.
    const values = top.items.map((i) => i.value);
    expect([...values].sort((a, b) => b - a)).toEqual(values);
  });

  it('re-ranks by another metric when one is chosen', async () => {
    const user = userEvent.setup();
    renderApp('monitoring');
    await screen.findAllByTestId('top-item');
    await pickOption(user, 'Top metric', 'Memory');
    expect(await screen.findByRole('heading', { name: 'Top 10 containers by Memory' })).toBeInTheDocument();
    const top = await backendGet<TopReply>('/top?metric=memBytes&window=3600&limit=10');
    await waitFor(() => expect(topNames()).toEqual(top.items.map((i) => i.name)));
  });
});
