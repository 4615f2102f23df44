import type { Clock } from '../clock/clock.js';

/** What the status page lists under "Recent events". New kinds may be added; a kind is never renamed. */
export type StatusEventKind =
  | 'replica_down'
  | 'replica_up'
  | 'breaker_open'
  | 'breaker_half_open'
  | 'breaker_closed'
  | 'failover'
  | 'holes_found'
  | 'reload'
  | 'reload_failed';

export interface StatusEvent {
  /** Unix milliseconds, from the injected clock. */
  readonly at: number;
  readonly kind: StatusEventKind;
  readonly replica?: string | undefined;
  /** Shown as text on the status page; never put a secret (a URL's credentials, a header) in it. */
  readonly message: string;
}

export const DEFAULT_EVENT_CAPACITY = 100;

/**
 * The last `capacity` events that changed what promgate routes to: replicas going down and up,
 * breakers opening and closing, failovers, config reloads. A ring buffer: fixed memory however
 * long promgate runs and however often a replica flaps; the oldest event is dropped first.
 */
export class EventLog {
  readonly capacity: number;
  readonly #clock: Pick<Clock, 'now'>;
  readonly #ring: (StatusEvent | undefined)[];
  #next = 0;
  #size = 0;

  constructor(clock: Pick<Clock, 'now'>, capacity = DEFAULT_EVENT_CAPACITY) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`EventLog capacity must be a positive integer, got ${capacity}`);
    this.capacity = capacity;
    this.#clock = clock;
    this.#ring = new Array<StatusEvent | undefined>(capacity).fill(undefined);
  }

  get size(): number {
    return this.#size;
  }

  /** Stamps the event with the clock's time and keeps it; returns what was kept. */
  record(event: Omit<StatusEvent, 'at'>): StatusEvent {
    const kept: StatusEvent = Object.freeze({ at: this.#clock.now(), kind: event.kind, replica: event.replica, message: event.message });
    this.#ring[this.#next] = kept;
    this.#next = (this.#next + 1) % this.capacity;
    if (this.#size < this.capacity) this.#size++;
    return kept;
  }

  /** Up to `limit` events, newest first. */
  recent(limit = this.capacity): StatusEvent[] {
    const n = Math.max(0, Math.min(limit, this.#size));
    const out: StatusEvent[] = [];
    for (let i = 1; i <= n; i++) out.push(this.#ring[(this.#next - i + this.capacity) % this.capacity]!);
    return out;
  }
}
