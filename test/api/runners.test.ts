import { describeRunnersContract } from './contract/runners-contract';
import { useSuiteTarget } from './support/suite-target';

describeRunnersContract(useSuiteTarget());
