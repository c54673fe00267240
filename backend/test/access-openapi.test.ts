/** The OpenAPI document covers the identity and access routes, request bodies included, from their schemas. */
import { buildOpenApi } from '../src/routes/openapi';
import { ACCESS_ROUTES } from '../src/routes/auth';

type Op = {
  security: unknown[];
  requestBody?: {
    content: { 'application/json': { schema: { required?: string[]; properties?: Record<string, unknown> } } };
  };
  responses: Record<string, unknown>;
  parameters: { name: string; in: string }[];
};

describe('OpenAPI document: identity and access', () => {
  const doc = buildOpenApi('test');
  const op = (method: string, path: string) => (doc.paths as Record<string, Record<string, Op>>)[path]?.[method];

  it('documents every access route with its method, parameters and success status', () => {
    expect(ACCESS_ROUTES.length).toBeGreaterThanOrEqual(14);
    for (const r of ACCESS_ROUTES) {
      const o = op(r.method, `/api/v1${r.path.replace(/:(\w+)/g, '{$1}')}`);
      expect([r.method, r.path, !!o]).toEqual([r.method, r.path, true]);
      for (const m of r.path.matchAll(/:(\w+)/g))
        expect(o.parameters).toContainEqual(expect.objectContaining({ name: m[1], in: 'path' }));
      expect(Object.keys(o.responses)).toContain(String(r.status ?? (r.reply ? 200 : 204)));
      if (r.access === 'admin') expect(Object.keys(o.responses)).toContain('403');
    }
  });

  it('documents request bodies from the same schemas the routes validate with', () => {
    const users = op('post', '/api/v1/users').requestBody!.content['application/json'].schema;
    expect(users.required?.sort()).toEqual(['displayName', 'email', 'role']);
    expect(Object.keys(users.properties ?? {})).toEqual(
      expect.arrayContaining(['password', 'scopes', 'login', 'active'])
    );
    const login = op('post', '/api/v1/auth/login');
    expect(login.requestBody!.content['application/json'].schema.required?.sort()).toEqual(['email', 'password']);
    expect(login.security).toEqual([]);
    expect(Object.keys(login.responses)).toEqual(expect.arrayContaining(['200', '401', '429']));
    expect(op('post', '/api/v1/agent-tokens').requestBody!.content['application/json'].schema.required?.sort()).toEqual(
      ['cluster', 'name']
    );
    expect(
      Object.keys(op('patch', '/api/v1/users/{id}').requestBody!.content['application/json'].schema.properties ?? {})
    ).toEqual(expect.arrayContaining(['role', 'scopes', 'active', 'password']));
    expect(op('get', '/api/v1/audit').parameters.map((p) => p.name)).toEqual(
      expect.arrayContaining(['actor', 'action', 'from', 'to', 'page', 'pageSize'])
    );
  });

  it('names every way to call the read API', () => {
    expect(op('get', '/api/v1/containers').security).toEqual([{ serviceKey: [] }, { bearerToken: [] }, { apiKey: [] }]);
    const schemes = (doc.components as { securitySchemes: Record<string, { name?: string }> }).securitySchemes;
    expect(schemes.apiKey.name).toBe('X-Api-Key');
    expect(schemes.serviceKey.name).toBe('X-Fleetlens-Key');
  });
});
