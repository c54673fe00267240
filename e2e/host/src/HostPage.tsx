import React from 'react';
import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import type { PluginPageProps } from '@grafana/runtime';
import { useStyles2 } from '@grafana/ui';
import { useLocation } from 'react-router-dom-v5-compat';

export interface NavInclude {
  name: string;
  path: string;
  addToNav?: boolean;
}

/** Grafana's page chrome for app pages, reduced: title from the nav entry (or pageNav), subtitle, breadcrumb. */
export function makeHostPage(includes: NavInclude[]) {
  return function HostPage({ pageNav, subTitle, actions, children }: PluginPageProps) {
    const styles = useStyles2(getStyles);
    const { pathname } = useLocation();
    const section = includes.find((i) => pathname === i.path || pathname.startsWith(`${i.path}/`));
    return (
      <div className={styles.page}>
        <div className={styles.header}>
          {pageNav && section && <div className={styles.crumb}>{section.name} ›</div>}
          <h1 className={styles.title}>{pageNav?.text ?? section?.name ?? 'Fleetlens'}</h1>
          {subTitle && <div className={styles.sub}>{subTitle}</div>}
          {actions}
        </div>
        {children}
      </div>
    );
  };
}

const getStyles = (theme: GrafanaTheme2) => ({
  page: css({ padding: theme.spacing(2, 3), minWidth: 0, flex: 1 }),
  header: css({ marginBottom: theme.spacing(2) }),
  crumb: css({ color: theme.colors.text.secondary, fontSize: theme.typography.bodySmall.fontSize }),
  title: css({ fontSize: theme.typography.h2.fontSize, margin: 0 }),
  sub: css({ color: theme.colors.text.secondary, marginTop: theme.spacing(0.5) }),
});
