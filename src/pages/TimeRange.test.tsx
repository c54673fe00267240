import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { renderApp } from '../test/harness';

/** The from/to (epoch seconds) of the last /series request. */
function lastSeriesRange(requests: string[]): { from: number; to: number } {
  const url = [...requests].reverse().find((r) => r.includes('/api/v1/series?'))!;
  const q = new URLSearchParams(url.split('?')[1]);
  return { from: Number(q.get('from')), to: Number(q.get('to')) };
}

describe('Time range picker', () => {
  it('asks the backend for the chosen range (default: the last hour)', async () => {
    const user = userEvent.setup();
    const { requests } = renderApp('monitoring');
    await waitFor(() => expect(requests.some((r) => r.includes('/api/v1/series?'))).toBe(true));
    let range = lastSeriesRange(requests);
    expect(range.to - range.from).toBeGreaterThanOrEqual(3599);
    expect(range.to - range.from).toBeLessThanOrEqual(3601);

    await user.click(screen.getByRole('button', { name: /Time range selected/i }));
    await user.click(await screen.findByText('Last 6 hours'));
    await waitFor(() => {
      range = lastSeriesRange(requests);
      expect(range.to - range.from).toBeGreaterThanOrEqual(6 * 3600 - 1);
    });
    expect(range.to - range.from).toBeLessThanOrEqual(6 * 3600 + 1);
    // The top-10 ranking follows the range too.
    await waitFor(() =>
      expect(requests.some((r) => r.includes('/api/v1/top?') && r.includes('window=21600'))).toBe(true)
    );
  });
});
