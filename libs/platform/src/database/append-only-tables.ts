/**
 * Tables an app may only append to: its database login is granted SELECT and INSERT on them,
 * never UPDATE, DELETE or TRUNCATE (a trigger refuses those too, even for the table's owner).
 */
export const APPEND_ONLY_TABLES: readonly string[] = ['audit_entries'];
