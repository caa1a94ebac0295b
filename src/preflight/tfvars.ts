/**
 * Terraform variable files as preflight needs them: `.tfvars` (HCL attribute syntax: strings,
 * numbers, bools, lists, maps/objects, heredocs, comments) and `.tfvars.json`. Expressions other
 * than literals are kept as their source text; nothing is evaluated.
 */
export type TfValue = string | number | boolean | null | TfValue[] | { [key: string]: TfValue };

export class TfvarsSyntaxError extends Error {
  readonly line: number;
  constructor(message: string, line: number) {
    super(`line ${line}: ${message}`);
    this.line = line;
  }
}

export function parseTfvars(text: string, file: string): Record<string, TfValue> {
  if (file.endsWith('.json')) {
    const parsed = JSON.parse(text) as unknown;
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new TfvarsSyntaxError('a .tfvars.json file holds one JSON object', 1);
    return parsed as Record<string, TfValue>;
  }
  return new Parser(text).body();
}

class Parser {
  #text: string;
  #at = 0;
  constructor(text: string) {
    this.#text = text;
  }

  get line(): number {
    return this.#text.slice(0, this.#at).split('\n').length;
  }

  fail(message: string): never {
    throw new TfvarsSyntaxError(message, this.line);
  }

  /** Skip blanks and comments; newlines too unless `stopAtNewline`. Returns whether a newline was crossed. */
  skip(stopAtNewline = false): boolean {
    let newline = false;
    for (;;) {
      const char = this.#text[this.#at];
      if (char === '\n') {
        if (stopAtNewline) return newline;
        newline = true;
        this.#at++;
      } else if (char === ' ' || char === '\t' || char === '\r') this.#at++;
      else if (char === '#' || (char === '/' && this.#text[this.#at + 1] === '/')) {
        while (this.#at < this.#text.length && this.#text[this.#at] !== '\n') this.#at++;
      } else if (char === '/' && this.#text[this.#at + 1] === '*') {
        const end = this.#text.indexOf('*/', this.#at + 2);
        this.#at = end < 0 ? this.#text.length : end + 2;
      } else return newline;
    }
  }

  body(): Record<string, TfValue> {
    const result: Record<string, TfValue> = {};
    for (;;) {
      this.skip();
      if (this.#at >= this.#text.length) return result;
      const key = this.key();
      this.skip(true);
      if (this.#text[this.#at] !== '=') this.fail(`expected "=" after ${key}`);
      this.#at++;
      this.skip(true);
      result[key] = this.value();
    }
  }

  key(): string {
    if (this.#text[this.#at] === '"') return this.string();
    const match = /^[A-Za-z_][\w-]*/.exec(this.#text.slice(this.#at));
    if (!match) this.fail(`expected a variable name, found "${this.#text.slice(this.#at, this.#at + 20).split('\n')[0]}"`);
    this.#at += match[0].length;
    return match[0];
  }

  value(): TfValue {
    const char = this.#text[this.#at];
    if (char === '"') return this.string();
    if (char === '[') return this.list();
    if (char === '{') return this.object();
    if (char === '<' && this.#text[this.#at + 1] === '<') return this.heredoc();
    const rest = this.#text.slice(this.#at);
    const literal = /^(-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null)(?=[\s,\]}#/]|$)/.exec(rest);
    if (literal) {
      this.#at += literal[0].length;
      const word = literal[0];
      return word === 'true' ? true : word === 'false' ? false : word === 'null' ? null : Number(word);
    }
    // An expression (a function call, a reference): keep its text, up to the end of the line or item.
    let depth = 0;
    let quoted = false;
    let end = 0;
    for (; end < rest.length; end++) {
      const next = rest[end]!;
      if (quoted) {
        if (next === '\\') end++;
        else if (next === '"') quoted = false;
      } else if (next === '"') quoted = true;
      else if ('([{'.includes(next)) depth++;
      else if (depth > 0 && ')]}'.includes(next)) depth--;
      else if (depth === 0 && (next === '\n' || next === ',' || next === ']' || next === '}' || next === '#')) break;
    }
    const text = rest.slice(0, end).trim();
    if (!text) this.fail('expected a value');
    this.#at += end;
    return text;
  }

  string(): string {
    let result = '';
    this.#at++;
    for (;;) {
      const char = this.#text[this.#at];
      if (char === undefined || char === '\n') this.fail('unterminated string');
      this.#at++;
      if (char === '"') return result;
      if (char === '\\') {
        const escaped = this.#text[this.#at++];
        result += escaped === 'n' ? '\n' : escaped === 't' ? '\t' : escaped === 'r' ? '\r' : (escaped ?? '');
      } else result += char;
    }
  }

  heredoc(): string {
    const header = /^<<(-?)([A-Za-z_]\w*)[ \t]*\r?\n/.exec(this.#text.slice(this.#at));
    if (!header) this.fail('malformed heredoc');
    this.#at += header[0].length;
    const lines: string[] = [];
    for (;;) {
      const end = this.#text.indexOf('\n', this.#at);
      const line = this.#text.slice(this.#at, end < 0 ? this.#text.length : end);
      this.#at = end < 0 ? this.#text.length : end + 1;
      if (line.trim() === header[2]) break;
      if (end < 0) this.fail(`heredoc ${header[2]} is not closed`);
      lines.push(line);
    }
    if (header[1] === '-') {
      const indent = Math.min(...lines.filter((line) => line.trim()).map((line) => /^\s*/.exec(line)![0].length));
      return lines.map((line) => line.slice(Number.isFinite(indent) ? indent : 0)).join('\n') + '\n';
    }
    return lines.join('\n') + '\n';
  }

  list(): TfValue[] {
    const items: TfValue[] = [];
    this.#at++;
    for (;;) {
      this.skip();
      if (this.#text[this.#at] === ']') {
        this.#at++;
        return items;
      }
      if (this.#at >= this.#text.length) this.fail('unterminated list');
      items.push(this.value());
      this.skip();
      if (this.#text[this.#at] === ',') this.#at++;
    }
  }

  object(): Record<string, TfValue> {
    const result: Record<string, TfValue> = {};
    this.#at++;
    for (;;) {
      this.skip();
      if (this.#text[this.#at] === '}') {
        this.#at++;
        return result;
      }
      if (this.#at >= this.#text.length) this.fail('unterminated map');
      const key = this.key();
      this.skip();
      if (this.#text[this.#at] !== '=' && this.#text[this.#at] !== ':') this.fail(`expected "=" after ${key}`);
      this.#at++;
      this.skip();
      result[key] = this.value();
      this.skip();
      if (this.#text[this.#at] === ',') this.#at++;
    }
  }
}

/** Every scalar of a variables tree with the path of keys that leads to it, e.g. ["nodes", "cp1", "vm_id"]. */
export function leaves(value: TfValue, at: string[] = []): { path: string[]; value: string | number | boolean }[] {
  if (value === null) return [];
  if (Array.isArray(value)) return value.flatMap((item, index) => leaves(item, [...at, String(index)]));
  if (typeof value === 'object') return Object.entries(value).flatMap(([key, item]) => leaves(item, [...at, key]));
  return [{ path: at, value }];
}
