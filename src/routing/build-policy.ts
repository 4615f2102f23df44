import type { RoutingConfig } from '../config/index.js';
import { LeastLoaded } from './least-loaded.js';
import type { Policy } from './policy.js';
import { RoundRobin } from './round-robin.js';
import { Sticky } from './sticky.js';

export function buildPolicy(name: RoutingConfig['policy']): Policy {
  switch (name) {
    case 'round_robin':
      return new RoundRobin();
    case 'least_loaded':
      return new LeastLoaded();
    case 'sticky':
      return new Sticky();
  }
}
