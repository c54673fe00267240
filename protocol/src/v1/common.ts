import { z } from 'zod';

/** Integer epoch seconds, UTC: the only time representation on the wire. */
export const EpochSeconds = z.number().int().min(0).max(4102444800);

/** A non-negative, finite number (bytes, cores, rates). */
export const NonNegative = z.number().finite().min(0);

/** A metric that may be unknown for this interval (first reading, counter reset, not applicable). */
export const OptionalMetric = NonNegative.nullable().optional();

/** Free-form labels (Docker labels, Kubernetes labels, operator-supplied labels). */
export const Labels = z.record(z.string().min(1).max(317), z.string().max(4096));

/** A name as used by clusters, nodes and Kubernetes objects. */
export const Name = z.string().min(1).max(253);
