import React from 'react';
import { Link } from 'react-router-dom';
import type { RiskCountsReply } from '@fleetlens/protocol/api';
import { useApiData } from '../api/useApiData';
import { appUrl, ROUTES } from '../constants';
import { RISKS, RISK_ORDER } from '../utils/risks';
import { useFleetlens } from './FleetlensContext';
import { CardGrid, StatCard } from './StatCard';

/** The overview's security line (issue 17): risky containers in view and the most common risks. */
export function RiskOverview() {
  const { clusters } = useFleetlens();
  const counts = useApiData<RiskCountsReply>(`overview-risks:${clusters.join(',')}`, (c, s) =>
    c.riskCounts({ cluster: clusters }, s)
  );
  const d = counts.data;
  if (!d || d.assessed === 0) {
    return null;
  }
  const top = RISK_ORDER.filter((r) => d.byRisk[r] > 0)
    .sort((a, b) => d.byRisk[b] - d.byRisk[a])
    .slice(0, 3);
  return (
    <CardGrid>
      <StatCard
        testId="card-risky"
        title="Risky containers"
        value={String(d.risky)}
        tone={d.risky > 0 ? 'warning' : 'good'}
        sub={
          <Link to={appUrl(ROUTES.security)}>
            {top.length ? top.map((r) => `${d.byRisk[r]} ${RISKS[r].label}`).join(' · ') : 'none'}
          </Link>
        }
      />
    </CardGrid>
  );
}
