// A replica as the attempt runner sees it: scripted answers, breaker admission switchable, the
// verdicts the runner gives recorded, a latency window tests can fill.

import { parseConfigText } from '../../src/config/index.js';
import { AttemptRunner, type RoutableReplica, type StartedAttempt, type Verdict } from '../../src/routing/attempt-runner.js';
import type { Policy } from '../../src/routing/policy.js';
import { RoundRobin } from '../../src/routing/round-robin.js';
import type { RoutingObserver } from '../../src/routing/routing-observer.js';
import { LatencyWindow } from '../../src/upstream/latency-window.js';
import type { UpstreamAnswer, UpstreamRequest } from '../../src/upstream/upstream-types.js';
import { FakeClock } from './fake-clock.js';

export type Script = (signal: AbortSignal, req?: UpstreamRequest) => Promise<UpstreamAnswer>;

export class FakeReplica implements RoutableReplica {
  inFlight = 0;
  live = true;
  /** False: the breaker does not admit attempts (open, or half-open with its trial out). */
  admits = true;
  sent = 0;
  aborted = 0;
  readonly verdicts: Verdict[] = [];
  readonly requests: UpstreamRequest[] = [];
  readonly window = new LatencyWindow();
  constructor(
    readonly name: string,
    public script: Script,
  ) {}
  start(req: UpstreamRequest, signal: AbortSignal): StartedAttempt | undefined {
    if (!this.admits) return undefined;
    this.sent++;
    this.requests.push(req);
    signal.addEventListener('abort', () => this.aborted++);
    return { result: this.script(signal, req), record: (v) => this.verdicts.push(v) };
  }
  latencyFor() {
    return [this.window];
  }
}

/** A runner over `replicas` (the live ones), its clock, and every observer event as a string. */
export function runnerOver(replicas: FakeReplica[], routingYaml = '', policy: Policy = new RoundRobin(), clock = new FakeClock()) {
  const config = parseConfigText(`replicas: [{url: "http://a:1"}]\n${routingYaml}`);
  const events: string[] = [];
  const observer: RoutingObserver = {
    attempt: (r, o) => events.push(`${r}:${o}`),
    retry: () => events.push('retry'),
    hedge: () => events.push('hedge'),
    hedgeWon: () => events.push('hedge-won'),
    throttled: (kind) => events.push(`throttled-${kind}`),
    rescue: () => events.push('rescue'),
  };
  const runner = new AttemptRunner(config.routing, { live: () => replicas.filter((r) => r.live) }, policy, { clock, observer });
  return { runner, clock, events };
}
