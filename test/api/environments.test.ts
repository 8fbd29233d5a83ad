import { describeEnvironmentsContract } from './contract/environments-contract';
import { useSuiteTarget } from './support/suite-target';

describeEnvironmentsContract(useSuiteTarget());
