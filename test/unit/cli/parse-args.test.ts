import { describe, expect, it } from 'vitest';
import { parseArgs } from '../../../src/cli/parse-args.js';

describe('parseArgs', () => {
  it.each([
    [['--config.file=c.yaml'], { kind: 'run', configFile: 'c.yaml' }],
    [['--config.file', 'c.yaml', '--web.listen-address=:9099'], { kind: 'run', configFile: 'c.yaml', listenAddress: ':9099' }],
    [['--config.file=c.yaml', '--log.level', 'debug'], { kind: 'run', configFile: 'c.yaml', logLevel: 'debug' }],
    [['check-config', 'a.yaml', 'b.yaml'], { kind: 'check-config', files: ['a.yaml', 'b.yaml'] }],
    [['--help'], { kind: 'help' }],
    [['--version'], { kind: 'version' }],
  ])('%j', (argv, expected) => expect(parseArgs(argv)).toEqual(expected));

  it.each([[[]], [['--config.file']], [['--config.file=']], [['--bogus=1', '--config.file=c']], [['serve']], [['check-config']]])(
    'rejects %j with a usage error',
    (argv) => expect(parseArgs(argv).kind).toBe('usage-error'),
  );
});
