import { z } from 'zod';

/** The aws part of a scenario. Replaced by the aws emulation's full schema. */
export const awsEstateSchema = z.object({}).loose();
export type AwsEstate = z.output<typeof awsEstateSchema>;
