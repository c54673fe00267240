import { z } from 'zod';

/** Integer epoch seconds, UTC: the only time representation on the wire. */
export const EpochSeconds = z.number().int().min(0).max(4102444800);

/**
 * The largest metric value accepted: what a 64-bit counter holds (about 9.2e18, 8 EiB). Larger
 * ones are no reading of this world, and summed over a window they would overflow the
 * database's DOUBLE (MariaDB then refuses the whole query).
 */
export const MAX_METRIC_VALUE = 2 ** 63;

/** A non-negative, finite number (bytes, cores, rates), at most MAX_METRIC_VALUE. */
export const NonNegative = z.number().finite().min(0).max(MAX_METRIC_VALUE);

/** A metric that may be unknown for this interval (first reading, counter reset, not applicable). */
export const OptionalMetric = NonNegative.nullable().optional();

/** Free-form labels (Docker labels, Kubernetes labels, operator-supplied labels). */
export const Labels = z.record(z.string().min(1).max(317), z.string().max(4096));

/** A name as used by clusters, nodes and Kubernetes objects. */
export const Name = z.string().min(1).max(253);
