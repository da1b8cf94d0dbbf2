import { DataSource, type DataSourceOptions, type MixedList, type EntitySchema } from 'typeorm';

/** What an app's database consists of: its entities and its reviewed migrations. */
export interface AppDatabase {
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  readonly entities: MixedList<Function | string | EntitySchema>;
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  readonly migrations: MixedList<Function | string>;
}

/** TypeORM options for an app: never `synchronize`; migrations run by a command. */
export function dataSourceOptions(url: string, database: AppDatabase): DataSourceOptions {
  return {
    type: 'postgres',
    url,
    entities: database.entities,
    migrations: database.migrations,
    migrationsTableName: 'migrations',
    synchronize: false,
    migrationsRun: false,
    logging: false,
    // Pool sized for the consumer's concurrency plus the HTTP API.
    extra: { max: 30, connectionTimeoutMillis: 5_000 },
  };
}

/** Runs an app's pending migrations; returns the names it applied. */
export async function runMigrations(url: string, database: AppDatabase): Promise<string[]> {
  const dataSource = new DataSource(dataSourceOptions(url, database));
  await dataSource.initialize();
  try {
    const applied = await dataSource.runMigrations({ transaction: 'each' });
    return applied.map((m) => m.name);
  } finally {
    await dataSource.destroy();
  }
}
