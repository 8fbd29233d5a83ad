import { describeFilesContract } from './contract/files-contract';
import { useSuiteTarget } from './support/suite-target';

describeFilesContract(useSuiteTarget());
