import { describe, expect, it } from 'vitest';
import { parseArgs, USAGE } from '../../../src/cli/parse-args.js';

const run = { kind: 'run', configFile: 'c.yaml', enableLifecycle: false };

describe('parseArgs', () => {
  it.each([
    [['--config.file=c.yaml'], run],
    [['--config.file', 'c.yaml', '--web.listen-address=:9099'], { ...run, listenAddress: ':9099' }],
    [['--config.file=c.yaml', '--web.listen-address', ':9099'], { ...run, listenAddress: ':9099' }],
    [['--config.file=c.yaml', '--log.level', 'debug'], { ...run, logLevel: 'debug' }],
    [['--config.file=c.yaml', '--log.level=info', '--log.level=debug'], { ...run, logLevel: 'debug' }],
    [['--config.file=c.yaml', '--web.enable-lifecycle'], { ...run, enableLifecycle: true }],
    [['--config.file=c.yaml', '--web.config.file=web.yml'], { ...run, webConfigFile: 'web.yml' }],
    [['--web.config.file', 'web.yml', '--config.file', 'c.yaml'], { ...run, webConfigFile: 'web.yml' }],
    [['check-config', 'a.yaml', 'b.yaml'], { kind: 'check-config', files: ['a.yaml', 'b.yaml'] }],
    [['check-config', '--', '-odd.yaml'], { kind: 'check-config', files: ['-odd.yaml'] }],
    [['--help'], { kind: 'help' }],
    [['-h'], { kind: 'help' }],
    [['--config.file=c.yaml', '--help'], { kind: 'help' }],
    [['--version'], { kind: 'version' }],
  ])('%j', (argv, expected) => expect(parseArgs(argv)).toEqual(expected));

  it.each([
    [[]],
    [['--config.file']],
    [['--config.file=']],
    [['--config.file', '']],
    [['--bogus=1', '--config.file=c']],
    [['-x', '--config.file=c']],
    [['serve']],
    [['check-config']],
    [['check-config', 'a.yaml', '--log.level=debug']],
    [['--config.file=c', '--web.config.file']],
    [['--config.file=c', '--web.config.file=']],
    [['--config.file=c', '--web.enable-lifecycle=true']],
    // The flag's value is missing; the hand-written parser used to take "--log.level" as the path.
    [['--config.file', '--log.level', 'debug']],
  ])('rejects %j with a usage error', (argv) => expect(parseArgs(argv).kind).toBe('usage-error'));

  it.each([
    [['--bogus=1', '--config.file=c'], '--bogus'],
    [['--config.file'], '--config.file'],
    [['--config.file=c', '--web.config.file='], '--web.config.file'],
    [['--config.file=c', '--web.enable-lifecycle=true'], '--web.enable-lifecycle'],
  ])('a usage error for %j names %s', (argv, flag) =>
    expect(parseArgs(argv)).toMatchObject({ kind: 'usage-error', message: expect.stringContaining(flag) }),
  );

  it('USAGE lists the flags parseArgs accepts', () => {
    for (const flag of ['--config.file', '--web.listen-address', '--log.level', '--web.enable-lifecycle', '--web.config.file', 'check-config', '--version']) {
      expect(USAGE).toContain(flag);
    }
  });
});
