import React, { useState } from 'react';
import { css } from '@emotion/css';
import type { AppPluginMeta, GrafanaTheme2, PluginConfigPageProps } from '@grafana/data';
import { getBackendSrv } from '@grafana/runtime';
import { Alert, Button, Field, FieldSet, Input, SecretInput, Stack, useStyles2 } from '@grafana/ui';
import { lastValueFrom } from 'rxjs';
import { FleetlensClient, assertCompatible } from '../api/client';
import { ApiError, toApiError } from '../api/errors';
import { PLUGIN_ID } from '../constants';
import { DEFAULT_THRESHOLDS, type AppSecureSettings, type AppSettings } from '../types';

type Props = PluginConfigPageProps<AppPluginMeta<AppSettings>>;

type TestResult = { ok: true; message: string } | { ok: false; title: string; message: string };

/** Validates the URL field: absolute http(s) URL. Returns an error text or undefined. */
export function backendUrlProblem(url: string): string | undefined {
  if (!url.trim()) {
    return 'Enter the URL of the Fleetlens backend, e.g. http://fleetlens-backend:8080';
  }
  try {
    const u = new URL(url.trim());
    return u.protocol === 'http:' || u.protocol === 'https:'
      ? undefined
      : 'The URL must start with http:// or https://';
  } catch {
    return 'This is not a URL; it should look like http://fleetlens-backend:8080';
  }
}

/** Where Grafana stores the app's settings; the service key goes to encrypted secureJsonData. */
async function saveSettings(enabled: boolean, jsonData: AppSettings, secureJsonData?: AppSecureSettings) {
  await lastValueFrom(
    getBackendSrv().fetch({
      url: `/api/plugins/${PLUGIN_ID}/settings`,
      method: 'POST',
      data: { enabled, pinned: enabled, jsonData, secureJsonData },
      showSuccessAlert: false,
    })
  );
}

/** Explains a failed connection test in plain words. */
function describeFailure(err: ApiError, url: string): TestResult {
  switch (err.kind) {
    case 'unreachable':
      return {
        ok: false,
        title: 'Backend unreachable',
        message: `Grafana could not reach ${url}. Check that the backend is running and that Grafana's server (not your browser) can reach this address.`,
      };
    case 'unauthorized':
      return {
        ok: false,
        title: 'Bad service key',
        message:
          'The backend answered but rejected the service key. Reset the key, paste the current service key of the backend, and test again.',
      };
    case 'version-mismatch':
      return { ok: false, title: 'Version mismatch', message: err.message };
    case 'not-fleetlens':
      return {
        ok: false,
        title: 'Not a Fleetlens backend',
        message: `${url} answers, but it is not a Fleetlens backend. Check the URL and port.`,
      };
    default:
      return { ok: false, title: 'Connection test failed', message: err.message };
  }
}

/** The app's configuration page: backend URL, service key, usage thresholds, connection test. */
export function AppConfig({ plugin }: Props) {
  const styles = useStyles2(getStyles);
  const meta = plugin.meta;
  const [backendUrl, setBackendUrl] = useState(meta.jsonData?.backendUrl ?? '');
  const [warn, setWarn] = useState(String(meta.jsonData?.warnPercent ?? DEFAULT_THRESHOLDS.warn));
  const [crit, setCrit] = useState(String(meta.jsonData?.critPercent ?? DEFAULT_THRESHOLDS.crit));
  const [serviceKey, setServiceKey] = useState('');
  const [keyConfigured, setKeyConfigured] = useState(Boolean(meta.secureJsonFields?.serviceKey));
  const [enabled, setEnabled] = useState(Boolean(meta.enabled));
  const [dirty, setDirty] = useState(false);
  const [busy, setBusy] = useState<'save' | 'test' | undefined>();
  const [saved, setSaved] = useState(false);
  const [saveError, setSaveError] = useState<string | undefined>();
  const [result, setResult] = useState<TestResult | undefined>();

  const urlProblem = backendUrlProblem(backendUrl);
  const warnN = Number(warn);
  const critN = Number(crit);
  const thresholdProblem =
    Number.isFinite(warnN) && Number.isFinite(critN) && warnN > 0 && critN > warnN && critN <= 100
      ? undefined
      : 'Warning must be above 0 and below critical; critical at most 100.';

  const edit =
    <T,>(setter: (v: T) => void) =>
    (v: T) => {
      setter(v);
      setDirty(true);
      setSaved(false);
      setResult(undefined);
    };

  const save = async (): Promise<boolean> => {
    setSaveError(undefined);
    try {
      const secure = serviceKey ? { serviceKey } : undefined;
      await saveSettings(true, { backendUrl: backendUrl.trim(), warnPercent: warnN, critPercent: critN }, secure);
      if (serviceKey) {
        // The key is never shown again: Grafana only reports that it is set.
        setKeyConfigured(true);
        setServiceKey('');
      }
      setEnabled(true);
      setDirty(false);
      return true;
    } catch (err) {
      const e = err as { data?: { message?: string }; status?: number };
      setSaveError(`Grafana did not save the settings${e?.data?.message ? `: ${e.data.message}` : ''}.`);
      return false;
    }
  };

  const onSave = async () => {
    setBusy('save');
    setSaved(await save());
    setBusy(undefined);
  };

  const onTest = async () => {
    setBusy('test');
    setResult(undefined);
    // Grafana's proxy uses the saved settings, so unsaved edits are saved first.
    if ((dirty || serviceKey) && !(await save())) {
      setBusy(undefined);
      return;
    }
    const client = new FleetlensClient();
    try {
      const version = assertCompatible(await client.version());
      // /version proves reachability and compatibility; a listing proves the key.
      const clusters = await client.clusters();
      setResult({
        ok: true,
        message: `Connected to ${version.name} ${version.version} (API ${version.apiVersion}). ${clusters.items.length} cluster${
          clusters.items.length === 1 ? '' : 's'
        } reporting.`,
      });
    } catch (err) {
      setResult(describeFailure(toApiError(err), backendUrl.trim()));
    }
    setBusy(undefined);
  };

  return (
    <div className={styles.page}>
      <FieldSet label="Fleetlens backend">
        <Field
          label="Backend URL"
          description="Where Grafana's server reaches the Fleetlens backend. Requests go through Grafana's plugin proxy."
          invalid={dirty && !!urlProblem}
          error={urlProblem}
        >
          <Input
            id="fleetlens-backend-url"
            width={60}
            value={backendUrl}
            placeholder="http://fleetlens-backend:8080"
            onChange={(e) => edit(setBackendUrl)(e.currentTarget.value)}
          />
        </Field>
        <Field
          label="Service key"
          description="The backend's service key. Grafana stores it encrypted and adds it to proxied requests; it is never shown again."
        >
          <SecretInput
            id="fleetlens-service-key"
            width={60}
            isConfigured={keyConfigured}
            value={serviceKey}
            placeholder="Paste the service key"
            onChange={(e) => edit(setServiceKey)(e.currentTarget.value)}
            onReset={() => {
              setKeyConfigured(false);
              setServiceKey('');
              setDirty(true);
            }}
          />
        </Field>
      </FieldSet>
      <FieldSet label="Usage bars">
        <Stack gap={2}>
          <Field
            label="Warning from (%)"
            description="Bars turn yellow"
            invalid={!!thresholdProblem}
            error={thresholdProblem}
          >
            <Input
              id="fleetlens-warn"
              type="number"
              width={12}
              value={warn}
              onChange={(e) => edit(setWarn)(e.currentTarget.value)}
            />
          </Field>
          <Field label="Critical from (%)" description="Bars turn red">
            <Input
              id="fleetlens-crit"
              type="number"
              width={12}
              value={crit}
              onChange={(e) => edit(setCrit)(e.currentTarget.value)}
            />
          </Field>
        </Stack>
      </FieldSet>
      <Stack gap={1}>
        <Button onClick={onSave} disabled={!!busy || !!urlProblem || !!thresholdProblem} icon="save">
          {enabled ? 'Save settings' : 'Enable and save'}
        </Button>
        <Button
          variant="secondary"
          onClick={onTest}
          disabled={!!busy || !!urlProblem || !!thresholdProblem}
          icon="plug"
        >
          Test connection
        </Button>
        {busy && <span aria-live="polite">{busy === 'test' ? 'Testing…' : 'Saving…'}</span>}
      </Stack>
      <div className={styles.results} aria-live="polite">
        {saved && !saveError && <Alert severity="success" title="Settings saved" />}
        {saveError && (
          <Alert severity="error" title="Not saved">
            {saveError}
          </Alert>
        )}
        {result?.ok && (
          <Alert severity="success" title="Connection works">
            {result.message}
          </Alert>
        )}
        {result && !result.ok && (
          <Alert severity="error" title={result.title}>
            {result.message}
          </Alert>
        )}
      </div>
    </div>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  page: css({ maxWidth: 800 }),
  results: css({ marginTop: theme.spacing(2) }),
});
