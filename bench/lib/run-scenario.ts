/**
 * One run: one target, one round, one scenario. Opens the target, counts the replicas'
 * evaluations around the load, injects the scenario's fault at a third of the run and recovers
 * at two thirds, measures the target's CPU and peak RSS and (promgate) its cache's bytes. A
 * scenario that judges answers (outage) has them judged after all that, once the recovery is old
 * enough.
 */
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { judgeAnswers } from './answer-check.js';
import { readCacheBytes } from './cache-bytes.js';
import type { Environment, Fault } from './environment.js';
import { runLoad } from './load.js';
import { measureUsage } from './proc-usage.js';
import { rangePointsOf } from './range-points.js';
import type { RunData, ScenarioSpec } from './scenario-spec.js';
import { bucketize, summarize } from './stats.js';
import type { AnswerHoles, BenchEvent, TargetName } from './types.js';

export interface RunOptions {
  round: number;
  scenarioStartMs: number;
  durationMs: number;
  maxRequests: number;
  connections: number | undefined;
  cpuProfDir: string | undefined;
}

/** About 40 points per over-time chart, never finer than 250 ms. */
export function bucketMsFor(durationMs: number): number {
  return Math.max(250, Math.round(durationMs / 40 / 250) * 250);
}

export async function runScenario(env: Environment, spec: ScenarioSpec, target: TargetName, o: RunOptions): Promise<RunData> {
  await env.settle();
  const connections = o.connections ?? spec.connections;
  const requestsFor = spec.requests({ querySet: env.querySet, connections, scenarioStartMs: o.scenarioStartMs, runStartMs: Date.now(), nowMs: Date.now });
  const fe = await env.open(target, {
    scenario: spec.name,
    round: o.round,
    slowReplica: spec.fault === 'slow',
    ...(o.cpuProfDir !== undefined && target === 'promgate' && spec.profile === true ? { cpuProfDir: o.cpuProfDir } : {}),
    promgateConfig: spec.promgateConfig,
    paths: requestsFor(0).flatMap((r) => (r.setupRequest === undefined && r.path !== undefined ? [r.path] : [])),
  });
  const events: BenchEvent[] = [];
  try {
    const fault = spec.fault === undefined ? undefined : env.fault(spec.fault);
    if (spec.fault !== undefined && fault === undefined) throw new Error(`${spec.name}: this environment cannot inject "${spec.fault}"`);
    const truthUrl = env.truthUrl;
    if (spec.answerCheck !== undefined && truthUrl === undefined) throw new Error(`${spec.name}: this environment has no replica to judge answers against`);
    await env.counter.start();
    await env.queryLog?.start();
    const usage = fe.pid !== undefined ? measureUsage(fe.pid) : undefined;
    const t0 = performance.now();
    const startedAtMs = Date.now();
    const load = runLoad({ url: fe.url, connections, durationMs: o.durationMs, maxRequests: o.maxRequests, requestsFor, t0 });
    const faults = fault === undefined ? Promise.resolve() : playFault(fault, o.durationMs, t0, events);
    const [{ records, askedRangePoints }] = await Promise.all([load, faults]);
    const used = usage?.();
    const cache = target === 'promgate' ? await readCacheBytes(fe.url) : undefined;
    const upstreamEvaluations = await env.counter.finish();
    const logged = env.queryLog === undefined ? null : await env.queryLog.finish();
    let answerHoles: AnswerHoles | undefined;
    if (spec.answerCheck !== undefined && truthUrl !== undefined) {
      const recoveredAt = t0 + (events.at(-1)?.atMs ?? 0);
      const wait = recoveredAt + spec.answerCheck.afterRecoveryMs - performance.now();
      if (wait > 0) await sleep(wait);
      answerHoles = await judgeAnswers({ url: fe.url, truthUrl, spec: spec.answerCheck, fromMs: startedAtMs + spec.answerCheck.skipMs });
    }
    return {
      records,
      run: {
        scenario: spec.name,
        target,
        round: o.round,
        durationMs: o.durationMs,
        summary: summarize(records, o.durationMs),
        upstreamEvaluations,
        rangePoints: rangePointsOf(askedRangePoints, logged?.points ?? null),
        ...(answerHoles !== undefined ? { answerHoles } : {}),
        ...(used !== undefined ? { usage: used } : {}),
        ...(cache !== undefined ? { cache } : {}),
        buckets: bucketize(records, bucketMsFor(o.durationMs), o.durationMs),
        events,
      },
    };
  } finally {
    await fe.stop();
  }
}

async function playFault(fault: Fault, durationMs: number, t0: number, events: BenchEvent[]): Promise<void> {
  const at = (): number => Math.round(performance.now() - t0);
  const until = async (ms: number): Promise<void> => {
    const wait = t0 + ms - performance.now();
    if (wait > 0) await sleep(wait);
  };
  await until(durationMs / 3);
  events.push({ atMs: at(), label: await fault.inject(), kind: 'fault' });
  await until((2 * durationMs) / 3);
  const recoverAt = at();
  events.push({ atMs: recoverAt, label: await fault.recover(), kind: 'resume' });
  if (fault.settled !== undefined) {
    const label = await fault.settled();
    if (label !== undefined) events.push({ atMs: at(), label, kind: 'restart' });
  }
}
