import { createHmac, randomBytes } from 'node:crypto';
import bcrypt from 'bcryptjs';
import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';

/** Username → bcrypt hash, as basic_auth_users in the web config. */
export type BasicAuthUsers = ReadonlyMap<string, string>;

export interface BasicAuthOptions {
  /** Verdicts kept per outcome (successes and failures apart, so a flood of bad guesses cannot evict good ones). */
  readonly cacheSize?: number;
  /** bcrypt compare; tests may pass another. */
  readonly compare?: (password: string, hash: string) => Promise<boolean>;
}

// exporter-toolkit's stand-in for an unknown user's hash: bcrypt of "fakepassword", cost 10. Used
// only when no user is configured to take the cost from.
const FALLBACK_DUMMY_HASH = '$2y$10$QOauhQNbBCuQDKes6eFzPeMqBSjb7Mr5DUmpZ/VcEd00UAV/LDeSi';
const DEFAULT_CACHE_SIZE = 256;

/**
 * A fastify onRequest hook that asks for HTTP basic auth on every path, /metrics and /-/ready
 * included, as Prometheus does with basic_auth_users (exporter-toolkit's web handler wraps the
 * whole server). A refusal is exporter-toolkit's: 401, `WWW-Authenticate: Basic`, text
 * "Unauthorized". Register it before any other onRequest hook that does real work.
 *
 * `users` may be a getter, so a reload can swap the users (or turn auth off with undefined)
 * without re-registering the hook.
 *
 * bcrypt costs ~50–100 ms of CPU per check, so verdicts are cached as exporter-toolkit does, keyed
 * by an HMAC (a per-hook random key) of user, hash and password: no password is kept, and a changed
 * hash misses. Identical checks in flight share one bcrypt run (a dashboard's first burst). An
 * unknown user pays a bcrypt run against a configured hash, so timing does not tell which users exist.
 */
export function buildBasicAuthHook(users: BasicAuthUsers | (() => BasicAuthUsers | undefined), options: BasicAuthOptions = {}) {
  const current = typeof users === 'function' ? users : () => users;
  const verifier = new Verifier(options.cacheSize ?? DEFAULT_CACHE_SIZE, options.compare ?? ((p, h) => bcrypt.compare(p, h)));
  // Callback style: on every request, and a cached verdict answers without a promise.
  return (request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction): void => {
    const table = current();
    if (table === undefined || table.size === 0) return done();
    const credentials = parseBasicAuthorization(request.headers.authorization);
    if (!credentials) return refuse(reply);
    const check = verifier.check(table, credentials.username, credentials.password);
    if (check === true) return done();
    if (check === false) return refuse(reply);
    check.then(
      (ok) => (ok ? done() : refuse(reply)),
      (err: unknown) => done(err as Error),
    );
  };
}

/** Go's http.Error(w, "Unauthorized", 401) with `WWW-Authenticate: Basic`, as exporter-toolkit answers. */
function refuse(reply: FastifyReply): void {
  void reply
    .code(401)
    .header('www-authenticate', 'Basic')
    .header('content-type', 'text/plain; charset=utf-8')
    .header('x-content-type-options', 'nosniff')
    .send('Unauthorized\n');
}

/** Username and password of an `Authorization: Basic` header, as Go's Request.BasicAuth reads it; undefined if malformed. */
export function parseBasicAuthorization(header: string | undefined): { username: string; password: string } | undefined {
  if (header === undefined || header.length < 6 || header.slice(0, 6).toLowerCase() !== 'basic ') return undefined;
  const encoded = header.slice(6);
  // Go decodes with base64.StdEncoding: padded, standard alphabet, nothing else.
  if (encoded.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(encoded)) return undefined;
  const decoded = Buffer.from(encoded, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

class Verifier {
  readonly #hmacKey = randomBytes(32);
  readonly #granted: BoundedSet;
  readonly #denied: BoundedSet;
  readonly #inFlight = new Map<string, Promise<boolean>>();
  readonly #compare: (password: string, hash: string) => Promise<boolean>;
  #dummyFor: BasicAuthUsers | undefined;
  #dummy = FALLBACK_DUMMY_HASH;

  constructor(cacheSize: number, compare: (password: string, hash: string) => Promise<boolean>) {
    this.#granted = new BoundedSet(cacheSize);
    this.#denied = new BoundedSet(cacheSize);
    this.#compare = compare;
  }

  /** The cached verdict, or a promise of one bcrypt run (shared by identical checks in flight). */
  check(users: BasicAuthUsers, username: string, password: string): boolean | Promise<boolean> {
    const hash = users.get(username);
    const known = hash !== undefined;
    const against = hash ?? this.#dummyHash(users);
    const key = createHmac('sha256', this.#hmacKey).update(JSON.stringify([username, against, password])).digest('base64');
    if (this.#granted.touch(key)) return true;
    if (this.#denied.touch(key)) return false;
    let pending = this.#inFlight.get(key);
    if (!pending) {
      pending = this.#run(password, against, known, key);
      this.#inFlight.set(key, pending);
    }
    return pending;
  }

  async #run(password: string, hash: string, known: boolean, key: string): Promise<boolean> {
    try {
      // Run in full for an unknown user too, then discarded (bcrypt itself compares in constant time).
      const matched = await this.#compare(password, hash).catch(() => false);
      const ok = known && matched;
      (ok ? this.#granted : this.#denied).add(key);
      return ok;
    } finally {
      this.#inFlight.delete(key);
    }
  }

  /** The costliest configured hash: an unknown user's check then never returns sooner than a known one's. */
  #dummyHash(users: BasicAuthUsers): string {
    if (this.#dummyFor !== users) {
      this.#dummyFor = users;
      let best: string | undefined;
      for (const h of users.values()) if (best === undefined || cost(h) > cost(best)) best = h;
      this.#dummy = best ?? FALLBACK_DUMMY_HASH;
    }
    return this.#dummy;
  }
}

function cost(hash: string): number {
  const rounds = bcrypt.getRounds(hash);
  return Number.isFinite(rounds) ? rounds : 0;
}

/** Keys in least-recently-used order (a Map keeps insertion order), at most `max` of them. */
class BoundedSet {
  readonly #keys = new Map<string, true>();
  constructor(readonly max: number) {}

  /** True when present, which also makes it the most recently used. */
  touch(key: string): boolean {
    if (!this.#keys.delete(key)) return false;
    this.#keys.set(key, true);
    return true;
  }

  add(key: string): void {
    this.#keys.delete(key);
    if (this.#keys.size >= this.max) this.#keys.delete(this.#keys.keys().next().value!);
    this.#keys.set(key, true);
  }
}
