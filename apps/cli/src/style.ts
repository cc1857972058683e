/**
 * Colours for terminal output (picocolors), or none: every style function is the identity when colour is off.
 *
 * @module
 */
import pc from 'picocolors';

/** The styles the CLI uses. */
export type Style = Pick<
  ReturnType<typeof pc.createColors>,
  'bold' | 'dim' | 'red' | 'green' | 'yellow' | 'cyan' | 'magenta'
>;

/** The styles, coloured or plain. */
export function createStyle(color: boolean): Style {
  return pc.createColors(color);
}
