import React, { useEffect, useState } from 'react';
import { Alert, LinkButton } from '@grafana/ui';
import { useNavigate } from 'react-router-dom';
import { appUrl, ROUTES } from '../../constants';

export const REDIRECT_SECONDS = 5;

/** "Not allowed" for a page the user's role does not open; back to the overview after 5 s. */
export function NotAllowed({ role, what }: { role: string; what: string }) {
  const navigate = useNavigate();
  const [left, setLeft] = useState(REDIRECT_SECONDS);
  useEffect(() => {
    const started = Date.now();
    const timer = window.setInterval(() => {
      const remaining = REDIRECT_SECONDS - Math.floor((Date.now() - started) / 1000);
      if (remaining <= 0) {
        window.clearInterval(timer);
        navigate(appUrl(ROUTES.overview), { replace: true });
      } else {
        setLeft(remaining);
      }
    }, 250);
    return () => window.clearInterval(timer);
  }, [navigate]);
  return (
    <Alert title="Not allowed" severity="warning">
      <p>
        {what} is for Fleetlens admins. Your Fleetlens role is <strong>{role}</strong>. Ask an admin if you need access.
      </p>
      <p data-testid="redirect-countdown">
        Taking you back to the overview in {left} second{left === 1 ? '' : 's'}…
      </p>
      <LinkButton href={appUrl(ROUTES.overview)} variant="secondary" size="sm" icon="arrow-left">
        Go to the overview now
      </LinkButton>
    </Alert>
  );
}
