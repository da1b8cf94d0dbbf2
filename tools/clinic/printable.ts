/**
 * What a command may echo of an argument it refuses: a short token of letters, digits and
 * `._:+/-` (a flag, a queue name, a time, an id). Anything else could be a pasted record, a
 * control sequence or a megabyte of text, and is named, not printed.
 */
export function printable(value: string | undefined): string {
  return value && /^[A-Za-z0-9._:+/-]{1,40}$/.test(value) ? value : '(unprintable)';
}
