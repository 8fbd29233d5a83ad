import { describeRoutingContract } from './contract/routing-contract';
import { useSuiteTarget } from './support/suite-target';

describeRoutingContract(useSuiteTarget());
