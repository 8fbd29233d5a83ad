/**
 * `--wait`: polls the live status of each environment until it is warm (the controller saw the latest generation,
 * `Ready` is true, and the pool holds its idle runners), showing progress: one line per change of the figures, or a
 * line updated in place on a terminal. On timeout the error names each environment still waiting and why (its
 * `Ready` condition), so "the image does not start" is told apart from "the pool is still filling".
 */
import type { EnvironmentStatusView } from '../../api/ports';
import { CliError } from './cli-error';
import type { CliOutput } from './cli-io';
import { formatDuration } from './duration';
import type { ResourceClient } from './resource-client';

/** Options of {@link waitUntilWarm}. */
export interface WaitOptions {
  readonly timeoutMs: number;
  /** Default 250 ms. */
  readonly pollMs?: number;
  /** Default `Date.now`. */
  readonly now?: () => number;
  /** Default: a timer. */
  readonly sleep?: (ms: number) => Promise<void>;
}

const defaultSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits until every environment in `names` is warm; throws a {@link CliError} on timeout or when one vanishes. */
export async function waitUntilWarm(
  client: Pick<ResourceClient, 'status'>,
  names: readonly string[],
  out: CliOutput,
  options: WaitOptions,
): Promise<void> {
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? defaultSleep;
  const deadline = now() + options.timeoutMs;
  const waiting = new Map<string, EnvironmentStatusView | undefined>(names.map((name) => [name, undefined]));
  let lastLine = '';
  while (waiting.size > 0) {
    for (const name of [...waiting.keys()]) {
      const view = await client.status(name);
      if (!view) throw new CliError(`executionenvironment/${name} was deleted while waiting for it`);
      waiting.set(name, view);
      if (view.warm) {
        waiting.delete(name);
        lastLine = finishLine(out, lastLine);
        out.write(`executionenvironment/${name} warm (${view.pool.idle}/${view.pool.desired} idle runners)\n`);
      }
    }
    if (waiting.size === 0) break;
    const line = `waiting for ${[...waiting.entries()].map(([name, view]) => progressOf(name, view)).join(', ')}`;
    if (line !== lastLine) {
      out.write(out.isTTY ? `\r\x1b[2K${line}` : `${line}\n`);
      lastLine = line;
    }
    if (now() >= deadline) {
      finishLine(out, lastLine);
      throw timeoutError(options.timeoutMs, waiting);
    }
    await sleep(Math.min(options.pollMs ?? 250, Math.max(0, deadline - now())));
  }
  finishLine(out, lastLine);
}

function finishLine(out: CliOutput, lastLine: string): string {
  if (out.isTTY && lastLine !== '') out.write('\n');
  return '';
}

function progressOf(name: string, view: EnvironmentStatusView | undefined): string {
  if (!view) return name;
  return `${name} ${view.pool.idle}/${view.pool.desired}`;
}

function timeoutError(timeoutMs: number, waiting: ReadonlyMap<string, EnvironmentStatusView | undefined>): CliError {
  const lines = [...waiting.entries()].map(([name, view]) => `  executionenvironment/${name}: ${reasonOf(view)}`);
  return new CliError(`timed out after ${formatDuration(timeoutMs)} waiting for warm pools:\n${lines.join('\n')}`);
}

function reasonOf(view: EnvironmentStatusView | undefined): string {
  if (!view) return 'no status yet';
  const figures = `${view.pool.idle}/${view.pool.desired} idle runners`;
  if ((view.observedGeneration ?? -1) < view.generation) {
    return `${figures}; the controller has not processed generation ${view.generation} yet`;
  }
  const ready = view.conditions.find((condition) => condition.type === 'Ready');
  if (!ready) return `${figures}; no Ready condition yet`;
  return `${figures}; Ready=${ready.status} ${ready.reason}: ${ready.message}`;
}
