/** GitLab adapter: where the merge request note goes. (The dotenv report is rendered in report/dotenv.ts.) */
import { DrillError } from '../util/errors.ts';
import type { NoteTarget } from './comment.ts';

/**
 * The merge request note target from GitLab's predefined variables. The token comes from a
 * masked project variable (DR_DRILL_GITLAB_TOKEN: a project access token with `api` scope and at
 * least Reporter role): CI_JOB_TOKEN cannot create notes.
 */
export function gitlabNoteTarget(env: Record<string, string | undefined>): NoteTarget {
  const missing = ['CI_API_V4_URL', 'CI_PROJECT_ID', 'CI_MERGE_REQUEST_IID', 'DR_DRILL_GITLAB_TOKEN'].filter((name) => !env[name]);
  if (missing.length > 0) {
    throw new DrillError('EPREFLIGHT', `cannot post the merge request note: ${missing.join(', ')} not set`, {
      details:
        'run this job in a merge request pipeline (rules: if: $CI_PIPELINE_SOURCE == "merge_request_event") and add DR_DRILL_GITLAB_TOKEN as a masked CI/CD variable holding a project access token with the api scope; CI_JOB_TOKEN cannot post notes',
    });
  }
  return {
    provider: 'gitlab',
    apiUrl: env.CI_API_V4_URL!.replace(/\/+$/, ''),
    project: env.CI_PROJECT_ID!,
    number: env.CI_MERGE_REQUEST_IID!,
    token: env.DR_DRILL_GITLAB_TOKEN!,
  };
}
