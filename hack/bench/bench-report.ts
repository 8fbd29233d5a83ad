/**
 * The shape of benchmark results and their presentation: one row per figure with its floor, ratio and target, the
 * machine they were measured on, an aligned text table and the JSON document `npm run bench -- --json FILE` writes.
 */
import { availableParallelism, cpus, totalmem } from 'node:os';

/** A goal for one figure: on the value itself (`max`/`min`) or on its ratio to the floor (`maxRatio`). */
export type Target =
  | { readonly kind: 'max'; readonly value: number }
  | { readonly kind: 'min'; readonly value: number }
  | { readonly kind: 'maxRatio'; readonly value: number };

/** One measured figure, as printed and as written to JSON. `floor`/`ratio`/`target`/`met` are null when absent. */
export interface ScenarioRow {
  readonly name: string;
  readonly figure: string;
  readonly value: number;
  readonly unit: string;
  readonly floor: number | null;
  readonly ratio: number | null;
  readonly target: string | null;
  readonly met: boolean | null;
}

/** The machine a run measured. */
export interface MachineInfo {
  readonly cores: number;
  readonly cpuModel: string;
  readonly memoryMB: number;
  readonly node: string;
  readonly platform: string;
}

/** The JSON document of one run. */
export interface BenchReport {
  readonly startedAt: string;
  readonly durationMs: number;
  readonly machine: MachineInfo;
  readonly scenarios: readonly ScenarioRow[];
  /** Scenarios that failed to run, with their error. */
  readonly failures: readonly { readonly scenario: string; readonly error: string }[];
}

/** The machine this process runs on. */
export function machineInfo(): MachineInfo {
  return {
    cores: availableParallelism(),
    cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
    memoryMB: Math.round(totalmem() / 2 ** 20),
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
  };
}

/** Options of {@link scenarioRow}. */
export interface RowOptions {
  /** The floor in the figure's unit; the ratio is value / floor (floor / value for throughputs, see `higherIsBetter`). */
  readonly floor?: number | null;
  readonly target?: Target;
  /** True for throughputs: the ratio becomes floor / value, so > 1 still means "slower than the floor". */
  readonly higherIsBetter?: boolean;
}

/** Builds a row: computes the ratio from the floor and whether the target is met. */
export function scenarioRow(
  name: string,
  figure: string,
  value: number,
  unit: string,
  options: RowOptions = {},
): ScenarioRow {
  const floor = options.floor ?? null;
  const ratio = floor === null ? null : options.higherIsBetter ? floor / value : value / floor;
  const target = options.target;
  return {
    name,
    figure,
    value,
    unit,
    floor,
    ratio,
    target: target === undefined ? null : describeTarget(target, unit),
    met: target === undefined ? null : meets(target, value, ratio),
  };
}

function describeTarget(target: Target, unit: string): string {
  switch (target.kind) {
    case 'max':
      return `<= ${target.value} ${unit}`;
    case 'min':
      return `>= ${target.value} ${unit}`;
    case 'maxRatio':
      return `<= ${target.value}x floor`;
  }
}

function meets(target: Target, value: number, ratio: number | null): boolean {
  if (!Number.isFinite(value)) return false;
  switch (target.kind) {
    case 'max':
      return value <= target.value;
    case 'min':
      return value >= target.value;
    case 'maxRatio':
      return ratio !== null && ratio <= target.value;
  }
}

/** The rows as an aligned text table; a missed target is marked `MISSED` so it cannot be overlooked. */
export function formatTable(rows: readonly ScenarioRow[]): string {
  const cells = rows.map((r) => [
    r.name,
    r.figure,
    `${round(r.value)} ${r.unit}`,
    r.floor === null ? '-' : `${round(r.floor)} ${r.unit}`,
    r.ratio === null ? '-' : `${round(r.ratio)}x`,
    r.target ?? '-',
    r.met === null ? '-' : r.met ? 'met' : 'MISSED',
  ]);
  const header = ['scenario', 'figure', 'value', 'floor', 'ratio', 'target', 'result'];
  const widths = header.map((title, column) =>
    Math.max(title.length, ...cells.map((line) => line[column]?.length ?? 0)),
  );
  const print = (line: readonly string[]): string =>
    line
      .map((cell, i) => cell.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  return [print(header), print(widths.map((width) => '-'.repeat(width))), ...cells.map(print)].join('\n');
}

/** One line describing the machine, printed above the table. */
export function formatMachine(machine: MachineInfo): string {
  return `machine: ${machine.cores} cores (${machine.cpuModel}), ${machine.memoryMB} MB, Node ${machine.node}, ${machine.platform}`;
}

/** A number with a precision that suits its size. */
export function round(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  const magnitude = Math.abs(value);
  return magnitude >= 100 ? value.toFixed(0) : magnitude >= 10 ? value.toFixed(1) : value.toFixed(2);
}
