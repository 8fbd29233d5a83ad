import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { assign, setup } from 'xstate';
import { lifecycleMachines } from './machines';
import { machineToMermaid, withDiagrams } from './mermaid';

describe('lifecycle diagrams', () => {
  it('are current in reconcilers/README.md (run hack/gen-diagrams.ts when this fails)', () => {
    const readme = readFileSync(join(__dirname, '..', 'README.md'), 'utf8');
    expect(withDiagrams(readme, lifecycleMachines())).toBe(readme);
  });

  it('draw every state, event, guard, action with its parameters, and final state of a machine', () => {
    const machine = setup({
      types: {} as { context: { n: number }; events: { type: 'go' } },
      guards: { big: ({ context }) => context.n > 1 },
      actions: { bump: assign(({ context }, params: { by: number }) => ({ n: context.n + params.by })) },
    }).createMachine({
      id: 'm',
      context: { n: 0 },
      initial: 'a',
      states: {
        a: { on: { go: 'b' } },
        b: { always: [{ guard: 'big', target: 'c', actions: { type: 'bump', params: { by: 2 } } }, { target: 'c' }] },
        c: { type: 'final', entry: { type: 'bump', params: { by: 1 } } },
      },
    });
    expect(machineToMermaid(machine).split('\n')).toEqual([
      'stateDiagram-v2',
      '  [*] --> a',
      '  a --> b : go',
      '  b --> c : [big] / bump(2)',
      '  b --> c',
      '  c : entry / bump(1)',
      '  c --> [*]',
    ]);
  });

  it('refuse a README without the markers', () => {
    expect(() => withDiagrams('# no markers', lifecycleMachines())).toThrow(/markers/);
  });
});
