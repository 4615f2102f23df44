import { Counter, Gauge, type Registry } from 'prom-client';
import type { HaObserver } from '../gateway/gateway.js';

export interface HoleSummary {
  readonly replica: string;
  readonly holes: number;
  readonly holeSeconds: number;
  readonly probedUntilSeconds: number | undefined;
}

/** promgate_* metrics of routing around replica holes; implements the gateway's HA observer. */
export class HaMetrics implements HaObserver {
  readonly splits: Counter<'endpoint'>;
  readonly slices: Counter<'endpoint'>;
  readonly incompleteSteps: Counter<'endpoint'>;
  readonly unions: Counter<'endpoint'>;
  readonly holesFound: Counter<'replica'>;

  constructor(registry: Registry, read: () => readonly HoleSummary[]) {
    const registers = [registry];
    this.splits = new Counter({ name: 'promgate_split_answers_total', help: 'Query answers assembled from slices served by different replicas, because no single replica held all the data read.', labelNames: ['endpoint'], registers });
    this.slices = new Counter({ name: 'promgate_split_slices_total', help: 'Slices fetched for split answers.', labelNames: ['endpoint'], registers });
    this.incompleteSteps = new Counter({ name: 'promgate_incomplete_steps_total', help: 'Steps answered although no replica held every sample they read (the answer carries a warning).', labelNames: ['endpoint'], registers });
    this.unions = new Counter({ name: 'promgate_union_answers_total', help: 'labels, label values and series answers merged from every live replica over a time with holes.', labelNames: ['endpoint'], registers });
    this.holesFound = new Counter({ name: 'promgate_replica_holes_found_total', help: 'Holes the coverage probe found in a replica that were not known before.', labelNames: ['replica'], registers });
    new Gauge({
      name: 'promgate_replica_holes',
      help: 'Known holes of each replica (intervals where it has fewer samples than another), and time not verified since trouble.',
      labelNames: ['replica'],
      registers,
      collect() {
        for (const s of read()) this.set({ replica: s.replica }, s.holes);
      },
    });
    new Gauge({
      name: 'promgate_replica_hole_seconds',
      help: "Total length of each replica's known holes (finite ones).",
      labelNames: ['replica'],
      registers,
      collect() {
        for (const s of read()) this.set({ replica: s.replica }, s.holeSeconds);
      },
    });
    new Gauge({
      name: 'promgate_replica_probed_until_timestamp_seconds',
      help: "Up to when the coverage probe has verified each replica's data.",
      labelNames: ['replica'],
      registers,
      collect() {
        for (const s of read()) if (s.probedUntilSeconds !== undefined) this.set({ replica: s.replica }, s.probedUntilSeconds);
      },
    });
  }

  split(endpoint: string, slices: number): void {
    this.splits.inc({ endpoint });
    this.slices.inc({ endpoint }, slices);
  }

  incomplete(endpoint: string, steps: number): void {
    this.incompleteSteps.inc({ endpoint }, steps);
  }

  union(endpoint: string): void {
    this.unions.inc({ endpoint });
  }
}
