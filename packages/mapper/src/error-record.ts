/**
 * `recordError`: how the mapper's parts report a failure into a mapper's {@link MapperErrorInfo} record (internal:
 * not exported from the package).
 *
 * @module
 */

import type { MapperError, MapperErrorInfo, MapperResult } from './errors.js';

/** Fills `info` with a failure and returns its `code` (the mapper's hot paths report errors this way). */
export function recordError(
  info: MapperErrorInfo,
  code: MapperError,
  vpn: number,
  level: number,
  message: string,
): MapperResult {
  info.code = code;
  info.vpn = vpn;
  info.level = level;
  info.message = message;
  return code;
}
