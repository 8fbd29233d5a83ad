/**
 * Checks across a set of documents (a folder of YAML, an apply): names are unique per kind, and environment ids
 * (`spec.id`) are unique. Schema validity of each document is {@link validateResource}'s job.
 */
import type { PathSegment } from './issue-path';
import type { AnyResource } from './resources';

/** A problem of one document relative to an earlier one in the same set. */
export interface SetIssue {
  /** Index of the offending (later) document. */
  index: number;
  /** Index of the earlier document it collides with. */
  firstIndex: number;
  path: string;
  segments: readonly PathSegment[];
  message: string;
}

/**
 * Finds duplicate names (per kind) and duplicate environment ids. Each collision is reported once, on the later
 * document; `describe(index)` names the earlier one in the message (default: `document <n>`, 1-based).
 */
export function checkResourceSet(
  resources: readonly AnyResource[],
  describe: (index: number) => string = (index) => `document ${index + 1}`,
): SetIssue[] {
  const issues: SetIssue[] = [];
  const names = new Map<string, number>();
  const ids = new Map<number, number>();
  resources.forEach((resource, index) => {
    const nameKey = `${resource.kind}/${resource.metadata.name}`;
    const firstName = names.get(nameKey);
    if (firstName === undefined) names.set(nameKey, index);
    else {
      const message = `duplicate ${resource.kind} name "${resource.metadata.name}", first defined at ${describe(firstName)}`;
      issues.push({ index, firstIndex: firstName, path: 'metadata.name', segments: ['metadata', 'name'], message });
    }
    if (resource.kind !== 'ExecutionEnvironment') return;
    const firstId = ids.get(resource.spec.id);
    if (firstId === undefined) ids.set(resource.spec.id, index);
    else {
      const message = `duplicate environment id ${resource.spec.id}, first used at ${describe(firstId)}`;
      issues.push({ index, firstIndex: firstId, path: 'spec.id', segments: ['spec', 'id'], message });
    }
  });
  return issues;
}
