import React from 'react';
import { render, screen } from '@testing-library/react';
import { CertExpiry } from './Bits';

// Certificate expiry as the Services page and the probes table show it: red under 14 days.
describe('certificate expiry', () => {
  const now = Math.floor(Date.now() / 1000);
  it.each([
    [13, 'true', 'in 13 days'],
    [15, 'false', 'in 15 days'],
    [-2, 'true', '2 days ago'],
  ])('%d days out: expiring=%s, "%s"', (days, expiring, text) => {
    render(<CertExpiry notAfter={now + days * 86_400 + 600} testId="cert" />);
    const el = screen.getByTestId('cert');
    expect(el.dataset.expiring).toBe(expiring);
    expect(el).toHaveTextContent(text);
  });

  it('shows a dash without a certificate (http, tcp)', () => {
    render(<CertExpiry notAfter={null} testId="cert" />);
    expect(screen.getByTestId('cert')).toHaveTextContent('–');
  });
});
