import bcrypt from 'bcryptjs';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type BasicAuthUsers, buildBasicAuthHook, parseBasicAuthorization } from '../../../src/http/basic-auth.js';

/**
 * basic_auth_users as exporter-toolkit applies it: every path asks, a refusal is 401 with
 * `WWW-Authenticate: Basic` and "Unauthorized", and bcrypt runs once per credential, not per request.
 */

const PASSWORD = 'correct horse';
let ALICE_HASH: string;
let BOB_HASH: string;

beforeAll(async () => {
  // Cost 4 keeps the suite fast; the hook reads any cost.
  ALICE_HASH = (await bcrypt.hash(PASSWORD, 4)).replace(/^\$2b\$/, '$2y$'); // Apache's bcrypt tool writes $2y$
  BOB_HASH = await bcrypt.hash('bob-pw', 5);
});

let servers: FastifyInstance[] = [];

afterEach(async () => {
  await Promise.all(servers.map((s) => s.close()));
  servers = [];
});

/** A server with the hook and a few routes; `compares` records every bcrypt run (password, hash). */
function setup(users: BasicAuthUsers | (() => BasicAuthUsers | undefined), cacheSize?: number) {
  const compares: Array<[string, string]> = [];
  const server = Fastify();
  server.addHook(
    'onRequest',
    buildBasicAuthHook(users, {
      ...(cacheSize === undefined ? {} : { cacheSize }),
      compare: (password, hash) => {
        compares.push([password, hash]);
        return bcrypt.compare(password, hash);
      },
    }),
  );
  const reached: string[] = [];
  for (const url of ['/api/v1/query', '/metrics', '/-/ready', '/-/healthy']) {
    server.get(url, async () => {
      reached.push(url);
      return 'ok';
    });
  }
  servers.push(server);
  return { server, compares, reached };
}

const basic = (user: string, pass: string) => `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;
const users = () => new Map([['alice', ALICE_HASH], ['bob', BOB_HASH]]);

describe('buildBasicAuthHook', () => {
  it('answers 401 with WWW-Authenticate: Basic and "Unauthorized" without credentials, as exporter-toolkit', async () => {
    const { server, reached } = setup(users());
    const res = await server.inject({ url: '/api/v1/query' });
    expect(res.statusCode).toBe(401);
    expect(res.headers['www-authenticate']).toBe('Basic');
    expect(res.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(res.body).toBe('Unauthorized\n');
    expect(reached).toEqual([]);
  });

  it('protects every path, /metrics and /-/ready included, as Prometheus does', async () => {
    const { server, reached } = setup(users());
    for (const url of ['/api/v1/query', '/metrics', '/-/ready', '/-/healthy', '/no/such/path']) {
      expect((await server.inject({ url })).statusCode, url).toBe(401);
    }
    expect(reached).toEqual([]);
    for (const url of ['/metrics', '/-/ready']) {
      expect((await server.inject({ url, headers: { authorization: basic('alice', PASSWORD) } })).statusCode, url).toBe(200);
    }
    expect(reached).toEqual(['/metrics', '/-/ready']);
  });

  it('lets the right user and password through', async () => {
    const { server } = setup(users());
    const alice = await server.inject({ url: '/api/v1/query', headers: { authorization: basic('alice', PASSWORD) } });
    expect(alice.statusCode).toBe(200);
    expect(alice.body).toBe('ok');
    expect((await server.inject({ url: '/api/v1/query', headers: { authorization: basic('bob', 'bob-pw') } })).statusCode).toBe(200);
    // The scheme is case-insensitive (Go's EqualFold).
    expect((await server.inject({ url: '/api/v1/query', headers: { authorization: basic('alice', PASSWORD).replace('Basic', 'bAsIc') } })).statusCode).toBe(200);
  });

  it.each([
    ['a wrong password', basic('alice', 'wrong')],
    ['another user\'s password', basic('alice', 'bob-pw')],
    ['an unknown user', basic('mallory', PASSWORD)],
    ['a bearer token', 'Bearer abc'],
    ['no colon', `Basic ${Buffer.from('alice').toString('base64')}`],
    ['bad base64', 'Basic !!!!'],
    ['unpadded base64', `Basic ${Buffer.from(`alice:${PASSWORD}`).toString('base64').replace(/=+$/, '')}x`],
    ['an empty header', ''],
  ])('refuses %s', async (_what, authorization) => {
    const { server, reached } = setup(users());
    const res = await server.inject({ url: '/api/v1/query', headers: { authorization } });
    expect(res.statusCode).toBe(401);
    expect(res.headers['www-authenticate']).toBe('Basic');
    expect(reached).toEqual([]);
  });

  it('makes an unknown user pay a bcrypt run against a configured hash, so timing tells no names', async () => {
    const { server, compares } = setup(users());
    expect((await server.inject({ url: '/metrics', headers: { authorization: basic('mallory', 'bob-pw') } })).statusCode).toBe(401);
    // The costliest configured hash (bob's, cost 5): a match against it still lets nobody in.
    expect(compares).toEqual([['bob-pw', BOB_HASH]]);
  });

  it('runs bcrypt once per credential: repeats are answered from the cache', async () => {
    const { server, compares } = setup(users());
    for (let i = 0; i < 5; i++) {
      expect((await server.inject({ url: '/metrics', headers: { authorization: basic('alice', PASSWORD) } })).statusCode).toBe(200);
      expect((await server.inject({ url: '/metrics', headers: { authorization: basic('alice', 'wrong') } })).statusCode).toBe(401);
    }
    expect(compares).toHaveLength(2);
  });

  it('shares one bcrypt run among identical checks in flight (a dashboard\'s first burst)', async () => {
    const { server, compares } = setup(users());
    const answers = await Promise.all(Array.from({ length: 10 }, () => server.inject({ url: '/api/v1/query', headers: { authorization: basic('alice', PASSWORD) } })));
    expect(answers.map((a) => a.statusCode)).toEqual(Array(10).fill(200));
    expect(compares).toHaveLength(1);
  });

  it('keeps at most cacheSize verdicts, and bad guesses cannot evict good ones', async () => {
    const { server, compares } = setup(users(), 2);
    const get = (u: string, p: string) => server.inject({ url: '/metrics', headers: { authorization: basic(u, p) } });
    await get('alice', PASSWORD);
    for (const guess of ['g1', 'g2', 'g3']) await get('alice', guess);
    expect(compares).toHaveLength(4);
    await get('alice', PASSWORD); // still cached
    await get('alice', 'g1'); // evicted by g3
    expect(compares).toHaveLength(5);
  });

  it('follows a users getter: a reload can change passwords or turn auth off', async () => {
    let table: BasicAuthUsers | undefined = new Map([['alice', ALICE_HASH]]);
    const { server } = setup(() => table);
    const asAlice = (p: string) => server.inject({ url: '/metrics', headers: { authorization: basic('alice', p) } });
    expect((await asAlice(PASSWORD)).statusCode).toBe(200);
    table = new Map([['alice', BOB_HASH]]);
    expect((await asAlice(PASSWORD)).statusCode).toBe(401);
    expect((await asAlice('bob-pw')).statusCode).toBe(200);
    table = undefined;
    expect((await server.inject({ url: '/metrics' })).statusCode).toBe(200);
  });

  it('asks nothing when there are no users (an empty basic_auth_users)', async () => {
    const { server } = setup(new Map());
    expect((await server.inject({ url: '/metrics' })).statusCode).toBe(200);
  });

  it('pays real bcrypt cost once: a cost-10 hash is checked once for a burst of requests', async () => {
    const hash = await bcrypt.hash(PASSWORD, 10);
    const { server, compares } = setup(new Map([['alice', hash]]));
    const started = performance.now();
    for (let i = 0; i < 20; i++) await server.inject({ url: '/metrics', headers: { authorization: basic('alice', PASSWORD) } });
    expect(compares).toHaveLength(1);
    // 20 uncached checks would take 20 × ~70 ms; one is well under a second even on a slow box.
    expect(performance.now() - started).toBeLessThan(1_000);
  });
});

describe('parseBasicAuthorization', () => {
  it.each([
    [basic('alice', 'pw'), { username: 'alice', password: 'pw' }],
    [basic('alice', 'a:b:c'), { username: 'alice', password: 'a:b:c' }],
    [basic('', ''), { username: '', password: '' }],
    [basic('zoë', 'pässwörd'), { username: 'zoë', password: 'pässwörd' }],
    ['Basic', undefined],
    ['Basic ', undefined],
    ['Basic YWxpY2U6cHc', undefined],
    ['Digest YWxpY2U6cHc=', undefined],
    [undefined, undefined],
  ])('%s', (header, expected) => {
    expect(parseBasicAuthorization(header)).toEqual(expected);
  });
});
