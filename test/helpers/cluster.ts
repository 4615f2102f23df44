// n Prometheus replicas with identical backfilled data, as an HA pair (or more) behind promgate.

import type { OpenMetricsOptions, TimeRange } from './openmetrics.js';
import { startPrometheus, type PrometheusHandle, type StartPrometheusOptions } from './prometheus.js';

export interface StartReplicasOptions extends Omit<StartPrometheusOptions, 'name' | 'dataDir' | 'data' | 'port'> {
  /** Data every replica gets; default the standard 6h demo data. */
  readonly data?: Omit<OpenMetricsOptions, 'holes'>;
  /** Per replica index: ranges that replica has no samples in (an outage). */
  readonly holes?: readonly (readonly TimeRange[] | undefined)[];
  /** Replica names are `<prefix>-<index>`; default "replica". */
  readonly namePrefix?: string;
}

export interface ReplicaCluster {
  readonly replicas: readonly PrometheusHandle[];
  readonly urls: readonly string[];
  /** Stops every replica and removes their temp dirs. */
  stopAll(): Promise<void>;
}

/** Starts n replicas in parallel and waits until all are ready; if one fails, the others are stopped. */
export async function startReplicas(n: number, opts: StartReplicasOptions = {}): Promise<ReplicaCluster> {
  const { data, holes, namePrefix = 'replica', ...rest } = opts;
  if (!Number.isInteger(n) || n < 1) throw new Error(`startReplicas: n must be a positive integer, got ${n}`);
  if (holes !== undefined && holes.length > n) throw new Error('startReplicas: more hole lists than replicas');
  const settled = await Promise.allSettled(
    Array.from({ length: n }, (_, i) =>
      startPrometheus({ ...rest, name: `${namePrefix}-${i}`, data: { ...data, holes: holes?.[i] ?? [] } }),
    ),
  );
  const replicas = settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  const failures = settled.flatMap((s) => (s.status === 'rejected' ? [s.reason as unknown] : []));
  if (failures.length > 0) {
    await Promise.allSettled(replicas.map((r) => r.dispose()));
    throw failures.length === 1 ? failures[0] : new AggregateError(failures, `startReplicas: ${failures.length} of ${n} replicas failed`);
  }
  return {
    replicas,
    urls: replicas.map((r) => r.url),
    async stopAll() {
      await Promise.allSettled(replicas.map((r) => r.dispose()));
    },
  };
}
