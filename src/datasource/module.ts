import { DataSourcePlugin } from '@grafana/data';
import { ConfigEditor } from './ConfigEditor';
import { FleetlensDataSource } from './datasource';
import { QueryEditor } from './QueryEditor';
import type { FleetlensOptions, FleetlensQuery, FleetlensSecureOptions } from './types';

export const plugin = new DataSourcePlugin<
  FleetlensDataSource,
  FleetlensQuery,
  FleetlensOptions,
  FleetlensSecureOptions
>(FleetlensDataSource)
  .setConfigEditor(ConfigEditor)
  .setQueryEditor(QueryEditor);
