import React, { type ChangeEvent } from 'react';
import type { DataSourcePluginOptionsEditorProps } from '@grafana/data';
import { Field, FieldSet, Input, SecretInput } from '@grafana/ui';
import type { FleetlensOptions, FleetlensSecureOptions } from './types';

type Props = DataSourcePluginOptionsEditorProps<FleetlensOptions, FleetlensSecureOptions>;

/** Backend URL (jsonData) and service key (secureJsonData, write-only, Grafana's SecretInput). */
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
        label="Service key"
        description="The backend's SERVICE_KEY; sent as X-Fleetlens-Key by Grafana's proxy. Stored encrypted, never shown again."
      >
        <SecretInput
          id="fleetlens-ds-key"
          width={60}
          isConfigured={!!secureJsonFields?.serviceKey}
          value={secureJsonData?.serviceKey ?? ''}
          placeholder="service key"
          onChange={(e: ChangeEvent<HTMLInputElement>) =>
            onOptionsChange({ ...options, secureJsonData: { ...secureJsonData, serviceKey: e.currentTarget.value } })
          }
          onReset={() =>
            onOptionsChange({
              ...options,
              secureJsonFields: { ...secureJsonFields, serviceKey: false },
              secureJsonData: { ...secureJsonData, serviceKey: '' },
            })
          }
        />
      </Field>
    </FieldSet>
  );
}
