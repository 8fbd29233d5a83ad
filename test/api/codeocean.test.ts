import { describeCodeOceanFlows } from './contract/codeocean-flows-contract';
import { useSuiteTarget } from './support/suite-target';

describeCodeOceanFlows(useSuiteTarget());
