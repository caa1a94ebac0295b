/** Text built from an input with each character mapped back to the span of the input it came from. */

/** A decoder's output, indexed like its input. */
export interface Decoded {
  text: string;
  from: Int32Array;
  to: Int32Array;
}

export class Builder {
  readonly #parts: string[] = [];
  readonly from: Int32Array;
  readonly to: Int32Array;
  length = 0;

  constructor(inputLength: number) {
    // No decoder makes its output longer than its input.
    this.from = new Int32Array(inputLength);
    this.to = new Int32Array(inputLength);
  }

  copy(input: string, start: number, end: number): void {
    if (end <= start) return;
    this.#parts.push(input.slice(start, end));
    for (let index = start; index < end; index++) {
      this.from[this.length] = index;
      this.to[this.length++] = index + 1;
    }
  }

  emit(text: string, start: number, end: number): void {
    this.#parts.push(text);
    for (let unit = 0; unit < text.length; unit++) {
      this.from[this.length] = start;
      this.to[this.length++] = end;
    }
  }

  done(): Decoded {
    return { text: this.#parts.join(''), from: this.from.subarray(0, this.length), to: this.to.subarray(0, this.length) };
  }
}

/** Consecutive encoded bytes, decoded as UTF-8 where they form valid sequences. */
export class ByteRun {
  #values: number[] = [];
  #spans: number[] = [];
  readonly out: Builder;
  readonly input: string;
  constructor(out: Builder, input: string) {
    this.out = out;
    this.input = input;
  }

  start(): void {
    this.#values = [];
    this.#spans = [];
  }

  add(value: number, start: number, end: number): void {
    this.#values.push(value);
    this.#spans.push(start, end);
  }

  /** Invalid bytes become the character of the same code (`bytesAsChars`) or stay as written. */
  flush(bytesAsChars: boolean): void {
    const values = this.#values;
    let index = 0;
    while (index < values.length) {
      const lead = values[index]!;
      const size = lead < 0x80 ? 1 : lead >= 0xc2 && lead < 0xe0 ? 2 : lead >= 0xe0 && lead < 0xf0 ? 3 : lead >= 0xf0 && lead < 0xf5 ? 4 : 0;
      let valid = size > 0 && index + size <= values.length;
      for (let k = 1; valid && k < size; k++) valid = (values[index + k]! & 0xc0) === 0x80;
      const spanStart = this.#spans[2 * index]!;
      if (!valid) {
        const spanEnd = this.#spans[2 * index + 1]!;
        if (bytesAsChars) this.out.emit(String.fromCharCode(lead), spanStart, spanEnd);
        else this.out.copy(this.input, spanStart, spanEnd);
        index++;
        continue;
      }
      const text = Buffer.from(values.slice(index, index + size)).toString('utf8');
      this.out.emit(text, spanStart, this.#spans[2 * (index + size - 1) + 1]!);
      index += size;
    }
  }
}

/** One decoded escape sequence: its text, the input length it spans, and the byte it stands for (if it is one). */
export interface Escape {
  text: string;
  length: number;
  byte?: number;
}
