/**
 * Secret masking applied at every output boundary (terminal, step logs, result, reports, CI
 * outputs). Values are registered from the environment (names the drill marks secret and names
 * that look secret) and at run time (kubeconfigs, tokens read from Terraform outputs).
 */
export const MASK = '***';

const SECRET_NAME = /(TOKEN|SECRET|PASSWORD|PASSWD|PRIVATE|CREDENTIAL|API_KEY|ACCESS_KEY|AGE_KEY|KUBECONFIG_DATA)/i;
/** Shorter values would mask ordinary words and numbers all over the output. */
const MIN_SECRET_LENGTH = 4;

export class Masker {
  readonly #values = new Set<string>();
  #pattern: RegExp | undefined;

  /**
   * A secret and, unless `wholeOnly`, each of its lines: a multi-line secret may be printed line
   * by line. Structured configs (kubeconfig, talosconfig) register their credentials one by one
   * and the whole text with `wholeOnly`, so their structure (`kind: Config`) stays readable.
   */
  add(value: string | undefined | null, options: { wholeOnly?: boolean } = {}): void {
    if (!value) return;
    const candidates = (options.wholeOnly ? [value] : [value, ...value.split(/\r?\n/)]).map((item) => item.trim());
    for (const candidate of candidates) {
      if (candidate.length < MIN_SECRET_LENGTH || this.#values.has(candidate)) continue;
      this.#values.add(candidate);
      // Encoded forms leak as easily as the raw value (kubeconfig data, HTTP basic auth).
      this.#values.add(Buffer.from(candidate).toString('base64'));
      this.#values.add(encodeURIComponent(candidate));
      this.#values.add(JSON.stringify(candidate).slice(1, -1));
      this.#pattern = undefined;
    }
  }

  /** Environment variables whose names look secret, plus the names a drill marks secret. */
  addFromEnvironment(env: NodeJS.ProcessEnv, extraNames: readonly string[] = []): void {
    const names = new Set(extraNames);
    for (const name of Object.keys(env)) if (SECRET_NAME.test(name)) names.add(name);
    for (const name of names) this.add(env[name]);
  }

  get size(): number {
    return this.#values.size;
  }

  mask(text: string): string {
    if (this.#values.size === 0 || !text) return text;
    this.#pattern ??= new RegExp(
      [...this.#values]
        .sort((a, b) => b.length - a.length)
        .map((value) => value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
        .join('|'),
      'g',
    );
    return text.replace(this.#pattern, MASK);
  }

  /** Deep copy of a JSON-like value with every string masked. */
  maskDeep<T>(value: T): T {
    return JSON.parse(this.mask(JSON.stringify(value))) as T;
  }
}

export function looksSecretName(name: string): boolean {
  return SECRET_NAME.test(name);
}
