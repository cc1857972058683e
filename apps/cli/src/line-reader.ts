/**
 * Reads a stream line by line on demand: `next()` resolves to the next line, or `null` at the end of input. Lines
 * that arrive before they are asked for are queued, so nothing is lost between two `next()` calls (which a fresh
 * `readline` interface per question would do).
 *
 * @module
 */
import { createInterface, type Interface } from 'node:readline';

/** A pull-based line reader over a readable stream. */
export class LineReader {
  private readonly queue: string[] = [];
  private readonly waiting: ((line: string | null) => void)[] = [];
  private ended = false;
  /** The underlying readline interface. */
  readonly rl: Interface;

  /** @param input - the stream to read (not closed by the reader) */
  constructor(input: NodeJS.ReadableStream) {
    this.rl = createInterface({ input, terminal: false });
    this.rl.on('line', (line) => {
      const w = this.waiting.shift();
      if (w) w(line);
      else this.queue.push(line);
    });
    this.rl.on('close', () => {
      this.ended = true;
      for (const w of this.waiting.splice(0)) w(null);
    });
  }

  /** The next line (without its newline), or `null` once the input has ended. */
  next(): Promise<string | null> {
    const line = this.queue.shift();
    if (line !== undefined) return Promise.resolve(line);
    if (this.ended) return Promise.resolve(null);
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  /** Stops reading. */
  close(): void {
    this.rl.close();
  }
}
