import { awsCollector } from './aws/index.js';
import { azureCollector } from './azure/index.js';
import { gcpCollector } from './gcp/index.js';
import type { Collector } from './types.js';

/**
 * The collectors a default run uses, one per cloud. The cloud issues add theirs here; a
 * configured cloud without a collector is reported as unread in the run's coverage.
 */
export const defaultCollectors: readonly Collector[] = [azureCollector, gcpCollector, awsCollector];
