/**
 * Highest-random-weight (rendezvous) hashing: every (key, replica) pair gets a score and the key
 * goes to the replica with the highest. Losing a replica moves only the keys it held.
 */
export function rendezvousScore(key: string, replicaName: string): number {
  return fmix32(fnv1a32(`${replicaName}\u0000${key}`));
}

/** The candidate with the highest score for `key`; ties go to the lower name, so the pick is total. */
export function pickByRendezvous<T extends { readonly name: string }>(candidates: readonly T[], key: string): T | undefined {
  let best: T | undefined;
  let bestScore = -1;
  for (const c of candidates) {
    const score = rendezvousScore(key, c.name);
    if (score > bestScore || (score === bestScore && best !== undefined && c.name < best.name)) {
      best = c;
      bestScore = score;
    }
  }
  return best;
}

export function fnv1a32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

// MurmurHash3's finalizer: FNV alone clusters on keys that differ only in their last characters.
function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
