/**
 * What every benchmark scenario is: a name to select it by, a title, and a run function that takes the run's shared
 * context and answers its rows. Each scenario has a full size (`npm run bench`) and a smoke size (the jest smoke
 * test and `--smoke`), picked by `context.size`.
 */
import type { ScenarioRow } from './bench-report';
import type { Floors } from './floors';

/** How big a run is. */
export type RunSize = 'full' | 'smoke';

/** Where the Nomad API test server runs: a child process (full runs: keeps its heap out of the measurement) or here. */
export type NomadServerPlacement = 'process' | 'in-process';

/** Shared by every scenario of one run. */
export interface ScenarioContext {
  readonly size: RunSize;
  readonly floors: Floors;
  readonly nomadServer: NomadServerPlacement;
  /** Progress lines (stderr). */
  log(message: string): void;
}

/** One benchmark scenario. */
export interface Scenario {
  /** Selector on the command line, kebab-case. */
  readonly name: string;
  readonly title: string;
  run(context: ScenarioContext): Promise<ScenarioRow[]>;
}

/** Picks the full or the smoke value. */
export function bySize<T>(context: ScenarioContext, sizes: { readonly full: T; readonly smoke: T }): T {
  return sizes[context.size];
}
