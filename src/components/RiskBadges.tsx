import React from 'react';
import { Badge, Stack, type BadgeColor } from '@grafana/ui';
import { RISKS, RISK_ORDER, worstRisk, type RiskKindName } from '../utils/risks';

/** One badge per security risk of a container, in display order, each with its explanation as tooltip. */
export function RiskBadges({ risks, testId = 'risk-badges' }: { risks: RiskKindName[] | undefined; testId?: string }) {
  const list = RISK_ORDER.filter((r) => risks?.includes(r));
  if (list.length === 0) {
    return (
      <span data-testid={testId} data-risks="">
        <Badge color="green" text="no known risks" />
      </span>
    );
  }
  return (
    <span data-testid={testId} data-risks={list.join(',')}>
      <Stack gap={0.5} wrap="wrap">
        {list.map((r) => (
          <Badge key={r} color={RISKS[r].color as BadgeColor} text={RISKS[r].label} tooltip={RISKS[r].help} />
        ))}
      </Stack>
    </span>
  );
}

/** A table cell's summary: the number of risks coloured by the worst one, the names as tooltip. */
export function RiskSummary({ risks }: { risks: RiskKindName[] | undefined }) {
  const list = RISK_ORDER.filter((r) => risks?.includes(r));
  if (list.length === 0) {
    return (
      <span data-testid="risk-summary" data-risks="">
        –
      </span>
    );
  }
  const worst = worstRisk(list);
  return (
    <span data-testid="risk-summary" data-risks={list.join(',')}>
      <Badge
        color={RISKS[worst].color as BadgeColor}
        text={list.length === 1 ? RISKS[worst].label : `${list.length} risks`}
        tooltip={list.map((r) => RISKS[r].label).join(', ')}
      />
    </span>
  );
}
