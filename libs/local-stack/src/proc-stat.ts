import { readFileSync } from 'node:fs';

/**
 * The fields of a `/proc/<pid>/stat` line after the command name: field 3 of proc(5) (the state)
 * first, then 4 (the parent's pid) and on; field n is at index n - 3. The name is in parentheses
 * and may hold spaces and parentheses itself, so the fields start after the last ')'.
 */
export function statFieldsOf(line: string): string[] {
  return line
    .slice(line.lastIndexOf(')') + 2)
    .trim()
    .split(' ');
}

/** {@link statFieldsOf} for a live process; undefined when it is gone (or this is not Linux). */
export function procStatFields(pid: number): string[] | undefined {
  try {
    return statFieldsOf(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return undefined;
  }
}
