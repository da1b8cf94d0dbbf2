import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { queryPrepared } from '@app/platform';
import { Patient } from './patient.entity';

/** A patient to register: everything but what the database assigns. */
export type NewPatient = Omit<Patient, 'id' | 'createdAt'>;

/** A `patients` row as `pg` returns it (the date of birth as text: a calendar date, no time zone). */
interface PatientRow {
  id: string;
  mrn: string;
  given_name: string;
  family_name: string;
  date_of_birth: string;
  phone: string | null;
  created_at: Date;
}

/** `value` as a literal inside a LIKE pattern: `%`, `_` and the escape character match themselves. */
function likeLiteral(value: string): string {
  return value.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/** Where patients are stored and found: the queries, none of the registration rules. */
@Injectable()
export class PatientRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** The next number of the MRN sequence (never reused, even by a failed registration). */
  async nextMrnNumber(): Promise<string> {
    const [{ next }] = await this.dataSource.query<Array<{ next: string }>>(
      "SELECT nextval('patient_mrn_seq') AS next",
    );
    return next;
  }

  async insert(patient: NewPatient): Promise<Patient> {
    const repository = this.dataSource.getRepository(Patient);
    return repository.save(repository.create(patient));
  }

  /**
   * At most `limit` patients whose MRN, given name or family name starts with `query`
   * (case-insensitive), by family name, given name then MRN. The query is bound as a parameter
   * and its wildcards escaped: `%` finds a `%`, not everyone.
   */
  async searchByPrefix(query: string, limit: number): Promise<Patient[]> {
    const prefix = `${likeLiteral(query)}%`;
    return this.dataSource
      .getRepository(Patient)
      .createQueryBuilder('patient')
      .where(
        'patient.mrn ILIKE :prefix OR patient.given_name ILIKE :prefix OR patient.family_name ILIKE :prefix',
        { prefix },
      )
      .orderBy('lower(patient.family_name)', 'ASC')
      .addOrderBy('lower(patient.given_name)', 'ASC')
      .addOrderBy('patient.mrn', 'ASC')
      .limit(limit)
      .getMany();
  }

  /** One patient (the statement of {@link byIds}, with one id). */
  async byId(id: string): Promise<Patient | null> {
    return (await this.byIds([id])).get(id.toLowerCase()) ?? null;
  }

  /**
   * The patients of these ids that exist, by id in lower case (as PostgreSQL writes a uuid; a
   * route accepts either case), in one fixed statement: every record entered reads its patient
   * (for the event), records entered at the same time read theirs together (RecordsService), and
   * TypeORM's query building cost more CPU than the query itself.
   */
  async byIds(ids: readonly string[]): Promise<Map<string, Patient>> {
    const rows = await queryPrepared<PatientRow>(
      this.dataSource,
      `SELECT id, mrn, given_name, family_name, date_of_birth::text AS date_of_birth, phone, created_at
         FROM patients WHERE id = ANY($1::uuid[])`,
      [ids],
    );
    return new Map(
      rows.map((row) => [
        row.id,
        Object.assign(new Patient(), {
          id: row.id,
          mrn: row.mrn,
          givenName: row.given_name,
          familyName: row.family_name,
          dateOfBirth: row.date_of_birth,
          phone: row.phone,
          createdAt: row.created_at,
        }),
      ]),
    );
  }

  async exists(id: string): Promise<boolean> {
    return this.dataSource.getRepository(Patient).exists({ where: { id } });
  }
}
