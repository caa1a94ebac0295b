/** Which CI runs us, from the environment both providers document. */
import type { RunInfo } from '../result/model.ts';

export function detectCi(env: Record<string, string | undefined>): RunInfo['ci'] | undefined {
  if (env.GITHUB_ACTIONS === 'true') {
    const url = env.GITHUB_SERVER_URL && env.GITHUB_REPOSITORY && env.GITHUB_RUN_ID ? `${env.GITHUB_SERVER_URL}/${env.GITHUB_REPOSITORY}/actions/runs/${env.GITHUB_RUN_ID}` : undefined;
    return withoutUndefined({ provider: 'github', url, ref: env.GITHUB_REF_NAME, commit: env.GITHUB_SHA, trigger: env.GITHUB_EVENT_NAME });
  }
  if (env.GITLAB_CI === 'true') {
    return withoutUndefined({ provider: 'gitlab', url: env.CI_PIPELINE_URL, ref: env.CI_COMMIT_REF_NAME, commit: env.CI_COMMIT_SHA, trigger: env.CI_PIPELINE_SOURCE });
  }
  return undefined;
}

function withoutUndefined<T extends Record<string, string | undefined>>(value: T): NonNullable<RunInfo['ci']> {
  return Object.fromEntries(Object.entries(value).filter(([, item]) => item !== undefined)) as NonNullable<RunInfo['ci']>;
}
