/**
 * Multi-pattern literal matcher (Aho-Corasick): one pass over the text finds, at every position,
 * the longest registered pattern ending there, whatever the number of patterns.
 */
export class PatternAutomaton {
  /** Transitions of the root for every UTF-16 code unit: most text characters start nothing. */
  readonly #root = new Int32Array(65536);
  readonly #next: Map<number, number>[] = [new Map()];
  readonly #fail: number[] = [0];
  /** Length of the longest pattern that is a suffix of the state's path (0: none). */
  readonly #longest: number[] = [0];
  readonly #depth: number[] = [0];
  #maxLength = 0;

  constructor(patterns: Iterable<string>) {
    for (const pattern of patterns) this.#insert(pattern);
    this.#link();
  }

  get maxLength(): number {
    return this.#maxLength;
  }

  #insert(pattern: string): void {
    if (!pattern) return;
    let state = 0;
    for (let index = 0; index < pattern.length; index++) {
      const code = pattern.charCodeAt(index);
      let target = this.#next[state]!.get(code);
      if (target === undefined) {
        target = this.#next.length;
        this.#next.push(new Map());
        this.#fail.push(0);
        this.#longest.push(0);
        this.#depth.push(this.#depth[state]! + 1);
        this.#next[state]!.set(code, target);
      }
      state = target;
    }
    this.#longest[state] = pattern.length;
    this.#maxLength = Math.max(this.#maxLength, pattern.length);
  }

  #link(): void {
    const queue: number[] = [];
    for (const [code, target] of this.#next[0]!) {
      this.#root[code] = target;
      queue.push(target);
    }
    for (let head = 0; head < queue.length; head++) {
      const state = queue[head]!;
      for (const [code, target] of this.#next[state]!) {
        this.#fail[target] = this.#step(this.#fail[state]!, code);
        if (this.#longest[target] === 0) this.#longest[target] = this.#longest[this.#fail[target]!]!;
        queue.push(target);
      }
    }
  }

  #step(state: number, code: number): number {
    for (;;) {
      if (state === 0) return this.#root[code]!;
      const target = this.#next[state]!.get(code);
      if (target !== undefined) return target;
      state = this.#fail[state]!;
    }
  }

  /**
   * Calls `onMatch(end, length)` for each position where a pattern ends (end exclusive), with the
   * longest such pattern. Returns the length of the text's longest suffix that starts a pattern,
   * so a caller streaming text knows how much may still become a match.
   */
  scan(text: string, onMatch: (end: number, length: number) => void): number {
    let state = 0;
    for (let index = 0; index < text.length; index++) {
      state = this.#step(state, text.charCodeAt(index));
      const length = this.#longest[state]!;
      if (length > 0) onMatch(index + 1, length);
    }
    return this.#depth[state]!;
  }
}
