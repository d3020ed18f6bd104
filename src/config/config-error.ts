/** A configuration mistake found at boot: the message names the cloud and the field, never a secret. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** Renders zod issues as `clouds.lab.extraParams.authUrl: message` lines. */
export function describeIssues(
  prefix: string,
  issues: ReadonlyArray<{ path: ReadonlyArray<PropertyKey>; message: string }>,
): string {
  return issues
    .map((issue) => {
      const path = [prefix, ...issue.path.map(String)].filter(Boolean).join('.');
      return `${path || '(root)'}: ${issue.message}`;
    })
    .join('\n');
}
