import type { Config } from '../../config';
import type { Db } from '../../db/connection';
import { AgentAuth } from '../agent-auth';
import { AuditLog } from './audit';
import { AgentTokenService, ApiKeyService, LoginThrottle, SessionService } from './credentials';
import { GrafanaIdVerifier } from './grafana-id';
import { IdentityService } from './identity';
import { UserService } from './users';

export { AccessError, requireRole, roleAtLeast, type Caller, type Role } from './errors';
export { me, parseGrafanaIdentity } from './identity';
export { GrafanaIdVerifier, type GrafanaIdToken } from './grafana-id';
export { actorOf } from './audit';

/** The identity and access services, wired to one database, configuration and clock. */
export interface AccessServices {
  audit: AuditLog;
  users: UserService;
  sessions: SessionService;
  apiKeys: ApiKeyService;
  agentTokens: AgentTokenService;
  /** Verifies agent tokens at ingest; told at once of a revocation made here. */
  agentAuth: AgentAuth;
  throttle: LoginThrottle;
  identity: IdentityService;
}

export function createAccess(config: Config, db: Db, now: () => number): AccessServices {
  const audit = new AuditLog(db, now);
  const users = new UserService(db, audit, now);
  const sessions = new SessionService(db, now, config.access.tokenTtlSeconds);
  const apiKeys = new ApiKeyService(db, audit, now);
  const agentAuth = new AgentAuth(db, config.agentToken, now);
  const agentTokens = new AgentTokenService(db, audit, now, (id) => agentAuth.forget(id));
  const throttle = new LoginThrottle(db, now, config.access.loginMaxFailures, config.access.loginWindowSeconds);
  const grafanaIds = config.access.grafanaId ? new GrafanaIdVerifier(config.access.grafanaId, now) : null;
  const identity = new IdentityService(
    config.access,
    config.serviceKey,
    users,
    sessions,
    apiKeys,
    throttle,
    grafanaIds
  );
  return { audit, users, sessions, apiKeys, agentTokens, agentAuth, throttle, identity };
}
