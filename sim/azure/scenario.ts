import { z } from 'zod';

/** The azure part of a scenario. Replaced by the azure emulation's full schema. */
export const azureEstateSchema = z.object({}).loose();
export type AzureEstate = z.output<typeof azureEstateSchema>;
