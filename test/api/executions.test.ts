import { describeExecutionsContract } from './contract/executions-contract';
import { useSuiteTarget } from './support/suite-target';

describeExecutionsContract(useSuiteTarget());
