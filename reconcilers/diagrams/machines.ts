/** Every lifecycle machine of the reconcilers, in the order the README shows them. */
import { environmentMachine } from '../environment/environment-machine';
import { poolMachine } from '../pool/pool-machine';
import { runnerMachine } from '../runner/runner-machine';
import type { DiagramSource } from './mermaid';

/** The machines with their README titles. */
export function lifecycleMachines(): DiagramSource[] {
  return [
    { title: 'Environment (key = environment id)', machine: environmentMachine },
    { title: 'Pool (key = environment id)', machine: poolMachine },
    { title: 'Runner (key = runner id)', machine: runnerMachine },
  ];
}
