import { inspect } from 'node:util';

const MASK = '<secret>';

/**
 * A credential read from the config (a password, a token, a private key). The value lives in a
 * #private field, so nothing that walks the config (JSON.stringify, util.inspect, a logger's
 * serializer, a status endpoint spreading an object) can reach it: each prints `<secret>`, as
 * Prometheus's `config_util.Secret` does. Only `reveal()` hands it out, at the one place that
 * sends it.
 */
export class Secret {
  readonly #value: string;

  constructor(value: string) {
    this.#value = value;
  }

  reveal(): string {
    return this.#value;
  }

  toJSON(): string {
    return MASK;
  }

  toString(): string {
    return MASK;
  }

  [inspect.custom](): string {
    return MASK;
  }
}
