import { z } from 'zod';

/** The gcp part of a scenario. Replaced by the gcp emulation's full schema. */
export const gcpEstateSchema = z.object({}).loose();
export type GcpEstate = z.output<typeof gcpEstateSchema>;
