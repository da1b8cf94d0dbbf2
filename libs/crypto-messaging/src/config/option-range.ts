/**
 * `value` when it is a whole number from `min` to `max`; otherwise a TypeError that names the
 * option, its range and what it got, thrown where the option is given (not at the first request
 * SQS refuses, minutes later).
 */
export function wholeNumberIn(name: string, value: number, min: number, max: number, unit: string): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `from ${min} to 2^53 - 1` : `from ${min} to ${max}`;
    throw new TypeError(`${name} must be a whole number of ${unit} ${range}, got ${String(value)}`);
  }
  return value;
}
