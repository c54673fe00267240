import { assertCompatible, queryString } from './client';
import { ApiError, toApiError } from './errors';

describe('API client helpers', () => {
  it('rejects a backend that speaks another API version, naming both versions', () => {
    expect(() => assertCompatible({ name: 'fleetlens-backend', version: '2.0.0', apiVersion: 'v2' as 'v1' })).toThrow(
      /speaks API v2, but this plugin needs v1/
    );
    try {
      assertCompatible({ name: 'fleetlens-backend', version: '2.0.0', apiVersion: 'v2' as 'v1' });
    } catch (e) {
      expect((e as ApiError).kind).toBe('version-mismatch');
      expect((e as ApiError).isConfigProblem).toBe(true);
    }
  });

  it('maps Grafana proxy failures to what a person can do about them', () => {
    const fetchError = (status: number, data: unknown) => ({ status, data, config: { url: '/x' } });
    expect(toApiError(fetchError(502, { message: 'Bad Gateway' })).kind).toBe('unreachable');
    expect(toApiError(fetchError(0, {})).kind).toBe('unreachable');
    expect(toApiError(fetchError(401, { error: 'missing or invalid service key' })).kind).toBe('unauthorized');
    expect(toApiError(fetchError(503, { error: 'database unavailable, retry later' })).message).toMatch(
      /database unavailable/
    );
    // A 404 without the backend's error shape means the URL points somewhere else.
    expect(toApiError(fetchError(404, 'Not Found')).kind).toBe('not-fleetlens');
    expect(toApiError(fetchError(404, { error: 'node not found' })).kind).toBe('not-found');
  });

  it('writes list filters as the comma lists the backend expects and leaves out empty ones', () => {
    expect(queryString({ cluster: ['a', 'b'], node: [], q: '', page: 2, x: undefined })).toBe('?cluster=a%2Cb&page=2');
    expect(queryString({})).toBe('');
  });
});
