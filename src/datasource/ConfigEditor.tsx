import React, { type ChangeEvent } from 'react';
import type { DataSourcePluginOptionsEditorProps } from '@grafana/data';
import { Field, FieldSet, Input, SecretInput } from '@grafana/ui';
import type { FleetlensOptions, FleetlensSecureOptions } from './types';

type Props = DataSourcePluginOptionsEditorProps<FleetlensOptions, FleetlensSecureOptions>;

/**
 * Backend URL (jsonData) and the datasource's own credential, an API key (secureJsonData.apiKey,
 * write-only, Grafana's SecretInput). The key decides what the datasource may see: its owner's
 * role and scopes; Grafana's datasource permissions decide who may use it.
 */
export function ConfigEditor({ options, onOptionsChange }: Props) {
  const { jsonData, secureJsonFields, secureJsonData } = options;
  return (
    <FieldSet label="Fleetlens backend">
      <Field
        label="Backend URL"
        description="Where Grafana's server reaches the Fleetlens backend, e.g. http://fleetlens-backend:8480. Browsers never call it: Grafana proxies the requests and adds the key."
        required
      >
        <Input
          id="fleetlens-ds-url"
          width={60}
          value={jsonData.backendUrl ?? ''}
          placeholder="http://fleetlens-backend:8480"
          onChange={(e: ChangeEvent<HTMLInputElement>) =>
            onOptionsChange({ ...options, jsonData: { ...jsonData, backendUrl: e.currentTarget.value.trim() } })
          }
        />
      </Field>
      <Field
        label="API key"
        description={
          "A Fleetlens API key (flk_…), sent as X-Api-Key by Grafana's proxy. This datasource sees what the key's owner may see: " +
          "that user's role and scopes (clusters, namespaces, nodes). Create a user with the scopes this datasource should have and an API key for it " +
          '(Fleetlens app → Users and API keys, or the backend CLI), then limit who may use the datasource with its Grafana permissions. ' +
          "With Grafana's ID forwarding and the backend's GRAFANA_URL set, each Grafana user sees at most their own scopes within the key's. " +
          'Stored encrypted, never shown again.'
        }
        required
      >
        <SecretInput
          id="fleetlens-ds-key"
          width={60}
          isConfigured={!!secureJsonFields?.apiKey}
          value={secureJsonData?.apiKey ?? ''}
          placeholder="flk_…"
          onChange={(e: ChangeEvent<HTMLInputElement>) =>
            onOptionsChange({ ...options, secureJsonData: { ...secureJsonData, apiKey: e.currentTarget.value.trim() } })
          }
          onReset={() =>
            onOptionsChange({
              ...options,
              secureJsonFields: { ...secureJsonFields, apiKey: false },
              secureJsonData: { ...secureJsonData, apiKey: '' },
            })
          }
        />
      </Field>
    </FieldSet>
  );
}
