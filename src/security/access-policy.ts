import type { ApiKeyScope, AuthSettings } from '../config/settings.schema';

/** What a request needs: nothing (open) or a key with a scope. */
export type Requirement = { open: true } | { open: false; scope: ApiKeyScope };

const READ_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Probes are always open (Kubernetes sends no key); docs and metrics are open by a switch; the API
 * needs `read` to look and `write` to change anything.
 */
export function requirementFor(method: string, path: string, auth: AuthSettings): Requirement {
  if (path === '/health/live' || path === '/health/ready' || path.startsWith('/health/')) return { open: true };
  if (auth.openDocs && (path === '/docs' || path.startsWith('/docs/') || path.startsWith('/docs-')))
    return { open: true };
  if (auth.openMetrics && path === '/metrics') return { open: true };
  return { open: false, scope: READ_METHODS.has(method.toUpperCase()) ? 'read' : 'write' };
}
