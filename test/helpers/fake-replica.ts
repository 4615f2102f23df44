// A replica as the attempt runner sees it: scripted answers, breaker admission switchable, the
// verdicts the runner gives recorded, a latency window tests can fill.

import type { RoutableReplica, StartedAttempt, Verdict } from '../../src/routing/attempt-runner.js';
import { LatencyWindow } from '../../src/upstream/latency-window.js';
import type { UpstreamAnswer, UpstreamRequest } from '../../src/upstream/upstream-types.js';

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
