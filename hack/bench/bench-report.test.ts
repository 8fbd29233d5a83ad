import { formatTable, scenarioRow } from './bench-report';
import { percentile } from './bench-stats';
import { selectScenarios, SCENARIOS } from './scenarios';

describe('scenarioRow', () => {
  it('divides latencies by their floor and checks a ratio target against the ratio', () => {
    const row = scenarioRow('execute', 'p50', 30, 'ms', { floor: 20, target: { kind: 'maxRatio', value: 1.5 } });
    expect(row).toEqual({
      name: 'execute',
      figure: 'p50',
      value: 30,
      unit: 'ms',
      floor: 20,
      ratio: 1.5,
      target: '<= 1.5x floor',
      met: true,
    });
    expect(scenarioRow('execute', 'p50', 31, 'ms', { floor: 20, target: { kind: 'maxRatio', value: 1.5 } }).met).toBe(
      false,
    );
  });

  it('divides a floor throughput by the figure, so a ratio above 1 still means slower than the floor', () => {
    const row = scenarioRow('flows', 'throughput', 100, 'flows/min', { floor: 400, higherIsBetter: true });
    expect(row.ratio).toBe(4);
  });

  it('checks minimum and maximum targets on the value and has no floor, ratio or target unless given', () => {
    expect(scenarioRow('t', 'throughput', 5999, 'flows/min', { target: { kind: 'min', value: 6000 } }).met).toBe(false);
    expect(scenarioRow('t', 'p99', 5, 'ms', { target: { kind: 'max', value: 5 } }).met).toBe(true);
    expect(scenarioRow('t', 'p99', Number.NaN, 'ms', { target: { kind: 'max', value: 5 } }).met).toBe(false);
    expect(scenarioRow('t', 'p50', 1, 'ms')).toMatchObject({ floor: null, ratio: null, target: null, met: null });
  });
});

describe('formatTable', () => {
  it('prints a header, a rule and one aligned line per row, marking missed targets', () => {
    const rows = [
      scenarioRow('claim', 'p99', 7.5, 'ms', { floor: 0.5, target: { kind: 'max', value: 5 } }),
      scenarioRow('claim', 'p50', 0.9, 'ms', { floor: 0.3 }),
    ];
    const lines = formatTable(rows).split('\n');
    expect(lines).toHaveLength(4);
    expect(lines[2]).toMatch(/^claim\s+p99\s+7\.50 ms\s+0\.50 ms\s+15\.0x\s+<= 5 ms\s+MISSED$/);
    expect(lines[3]).toMatch(/^claim\s+p50\s+0\.90 ms\s+0\.30 ms\s+3\.00x\s+-\s+-$/);
  });
});

describe('selectScenarios', () => {
  it('selects by name or prefix in run order and rejects unknown names', () => {
    expect(selectScenarios([]).map((s) => s.name)).toEqual(SCENARIOS.map((s) => s.name));
    expect(selectScenarios(['restart', 'cl']).map((s) => s.name)).toEqual(['claim', 'restart']);
    expect(() => selectScenarios(['claim', 'nope'])).toThrow(/unknown scenario nope/);
  });
});

describe('percentile', () => {
  it('takes the nearest rank', () => {
    const values = Array.from({ length: 100 }, (_, n) => 100 - n);
    expect(percentile(values, 50)).toBe(51);
    expect(percentile(values, 99)).toBe(100);
    expect(percentile([], 50)).toBeNaN();
  });
});
