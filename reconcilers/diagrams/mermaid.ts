/**
 * Renders xstate machines as Mermaid `stateDiagram-v2` text, straight from the machine definitions (never drawn by
 * hand): states, event and eventless transitions with their named guards and actions, entry actions, final states.
 */
import type { AnyStateMachine, AnyStateNode } from 'xstate';

/** A machine and how the README names it. */
export interface DiagramSource {
  readonly title: string;
  readonly machine: AnyStateMachine;
}

/** Mermaid `stateDiagram-v2` text of a flat machine (nested states are drawn as their leaf names). */
export function machineToMermaid(machine: AnyStateMachine): string {
  const lines = ['stateDiagram-v2'];
  const root = machine.root;
  const initial = root.initial?.target[0]?.key;
  if (initial) lines.push(`  [*] --> ${initial}`);
  for (const node of Object.values(root.states) as AnyStateNode[]) {
    const entry = (node.entry as readonly unknown[]).map(describeAction);
    if (entry.length > 0) lines.push(`  ${node.key} : entry / ${entry.join(', ')}`);
    for (const [event, transitions] of node.transitions) {
      for (const transition of transitions) lines.push(edge(node, transition, event));
    }
    for (const transition of node.always ?? []) lines.push(edge(node, transition, undefined));
    if (node.type === 'final') lines.push(`  ${node.key} --> [*]`);
  }
  return lines.join('\n');
}

interface TransitionLike {
  readonly target?: ReadonlyArray<{ readonly key: string }> | undefined;
  readonly guard?: unknown;
  readonly actions: readonly unknown[];
}

function edge(source: AnyStateNode, transition: TransitionLike, event: string | undefined): string {
  const target = transition.target?.[0]?.key ?? source.key;
  const parts: string[] = [];
  if (event !== undefined) parts.push(event);
  if (transition.guard !== undefined) parts.push(`[${describeGuard(transition.guard)}]`);
  const actions = transition.actions.map(describeAction);
  if (actions.length > 0) parts.push(`/ ${actions.join(', ')}`);
  const label = parts.length > 0 ? ` : ${parts.join(' ')}` : '';
  return `  ${source.key} --> ${target}${label}`;
}

function describeGuard(guard: unknown): string {
  if (typeof guard === 'string') return guard;
  if (typeof guard === 'object' && guard !== null && 'type' in guard) return String(guard.type);
  return 'guard';
}

function describeAction(action: unknown): string {
  if (typeof action === 'string') return action;
  if (typeof action !== 'object' || action === null || !('type' in action)) return 'action';
  const params = 'params' in action && typeof action.params === 'object' && action.params !== null ? action.params : {};
  const values = Object.values(params).map(String);
  return values.length > 0 ? `${String(action.type)}(${values.join(', ')})` : String(action.type);
}

/** Markers around the generated part of a README. */
export const DIAGRAMS_BEGIN = '<!-- BEGIN GENERATED DIAGRAMS (hack/gen-diagrams.ts) -->';
export const DIAGRAMS_END = '<!-- END GENERATED DIAGRAMS -->';

/** The generated Markdown: one heading and one Mermaid block per machine. */
export function diagramsMarkdown(sources: readonly DiagramSource[]): string {
  return sources.map((s) => `### ${s.title}\n\n\`\`\`mermaid\n${machineToMermaid(s.machine)}\n\`\`\``).join('\n\n');
}

/** `readme` with the part between the markers replaced by the current diagrams. Throws when a marker is missing. */
export function withDiagrams(readme: string, sources: readonly DiagramSource[]): string {
  const begin = readme.indexOf(DIAGRAMS_BEGIN);
  const end = readme.indexOf(DIAGRAMS_END);
  if (begin < 0 || end < begin) throw new Error('the README lacks the generated-diagrams markers');
  const head = readme.slice(0, begin + DIAGRAMS_BEGIN.length);
  return `${head}\n\n${diagramsMarkdown(sources)}\n\n${readme.slice(end)}`;
}
