/**
 * A progress bar on stderr, shown only when stderr is a terminal (so pipes, CI logs and `--json` stay clean).
 *
 * @module
 */

import cliProgress from 'cli-progress';

/** What the experiments and the bench runner report progress through. */
export interface Progress {
  /** Advances by one step and shows `label` as the current item. */
  tick(label: string): void;
  /** Removes the bar. */
  stop(): void;
}

/** A progress reporter that shows nothing. */
export const silentProgress: Progress = { tick() {}, stop() {} };

/**
 * A progress bar with `total` steps on stderr, or {@link silentProgress} when stderr is not a TTY or `enabled` is
 * false.
 */
export function createProgress(title: string, total: number, enabled = true): Progress {
  if (!enabled || !process.stderr.isTTY) return silentProgress;
  const bar = new cliProgress.SingleBar(
    {
      stream: process.stderr,
      format: `${title} [{bar}] {value}/{total} {label}`,
      hideCursor: true,
      clearOnComplete: true,
    },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total, 0, { label: '' });
  return {
    tick(label) {
      bar.increment(1, { label });
    },
    stop() {
      bar.stop();
    },
  };
}
