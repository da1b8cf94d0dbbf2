import { BadRequestException, Injectable, NotFoundException } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { PatientRecordCreatedV1Event } from '@app/contracts';
import { Coalescer, serverSqlStateOf, type ItemOutcome } from '@app/platform';
import type { SealedEvent } from '@app/crypto-messaging';
import { OutboxWriter } from '../outbox/outbox.writer';
import { PatientRepository } from '../patients/patient.repository';
import { patientNotFound } from '../patients/patients.service';
import type { CreateRecordDto } from './dto/create-record.dto';
import type { Patient } from '../patients/patient.entity';
import type { MedicalRecord } from './medical-record.entity';
import { recordCreatedEvent } from './record-event';
import { recordFields } from './record-fields';
import { RecordRepository } from './record.repository';
import { catalogueProblems } from './record-validation';

/**
 * How records entered at the same time are grouped: at most 50 per statement, and a record waits
 * at most 20 ms for the group under way before its own starts beside it (so a group stuck on a
 * stalled database does not add its time-outs to the next records').
 */
export const RECORD_GROUPS = { max: 50, patienceMs: 20 } as const;

/**
 * A failure that belongs to one record's data, not to the database or the statement: a data
 * exception (SQLSTATE class 22) or an integrity constraint (class 23), which PostgreSQL sent and
 * so rolled the statement back. A group that fails so is saved again record by record, so only
 * the record at fault fails.
 */
const isOneRecordsFault = (error: unknown): boolean => /^2[23]/.test(serverSqlStateOf(error) ?? '');

/** A record ready to save, with its sealed event. */
interface RecordToSave {
  readonly record: MedicalRecord;
  readonly sealed: SealedEvent;
}

@Injectable()
export class RecordsService {
  /**
   * Records entered at the same time read their patients and are saved in groups, one statement
   * each (ADR 0024): while one group's statement is under way, the next records wait for it and
   * then go together. A record that finds none under way goes at once, alone.
   */
  private readonly patientReads = new Coalescer<string, Patient | undefined>(
    (ids) => this.readPatients(ids),
    RECORD_GROUPS,
  );
  private readonly saves = new Coalescer<RecordToSave, MedicalRecord>(
    (group) => this.save(group),
    RECORD_GROUPS,
  );

  constructor(
    private readonly records: RecordRepository,
    private readonly patients: PatientRepository,
    private readonly outbox: OutboxWriter,
  ) {}

  /**
   * Saves a record and its `patient-record.created.v1` outbox row in one transaction (one
   * statement, shared with the records entered at the same time), whose commit wakes the relay
   * (NOTIFY). The event is sealed (encrypted) before the transaction opens, so no plaintext PHI
   * ever waits in the outbox (ADR 0007) and a data-key miss waits on KMS without holding a
   * database connection. The broker being down never fails this: the relay catches up
   * later. The key being out of reach (KMS down and no cached data key) fails it with 503 and
   * Retry-After, before anything is written. `enteredBy` is the signed-in person's subject id:
   * stored on the record and carried by the event, so every system's effect is attributable.
   */
  async create(patientId: string, dto: CreateRecordDto, enteredBy?: string): Promise<MedicalRecord> {
    const problems = catalogueProblems(dto);
    if (problems.length > 0) throw new BadRequestException(problems);
    const patient = await this.patientReads.submit(patientId.toLowerCase());
    if (!patient) throw patientNotFound(patientId);
    const eventId = randomUUID();
    const record = this.records.draft(
      recordFields(dto, { id: randomUUID(), patientId, eventId, enteredBy: enteredBy ?? null }),
    );
    const event = recordCreatedEvent(record, patient);
    const sealed = await this.outbox.seal({
      event: PatientRecordCreatedV1Event,
      data: event.payload,
      id: eventId,
      occurredAt: new Date(),
      attributes: event.attributes,
    });
    return this.saves.submit({ record, sealed });
  }

  private async readPatients(ids: readonly string[]): Promise<Array<ItemOutcome<Patient | undefined>>> {
    const found = await this.patients.byIds([...new Set(ids)]);
    return ids.map((id) => ({ value: found.get(id) }));
  }

  /**
   * Saves a group in one statement. If a record's own data fails it, PostgreSQL has rolled the
   * statement back, and the group's records are saved again each alone, all at once (so the retry
   * takes about as long as one statement, and waits for connections as single requests do): the
   * others are kept and only that record's request fails. Any other failure fails the group,
   * untried again: a time-out or a database out of reach would make every retry wait again, and a
   * failure the client saw without the server's answer may have committed.
   */
  private async save(group: readonly RecordToSave[]): Promise<Array<ItemOutcome<MedicalRecord>>> {
    try {
      await this.insert(group);
      return group.map(({ record }) => ({ value: record }));
    } catch (error) {
      if (group.length === 1 || !isOneRecordsFault(error)) throw error;
    }
    const alone = await Promise.allSettled(group.map((one) => this.insert([one])));
    return alone.map((outcome, i) =>
      outcome.status === 'fulfilled' ? { value: group[i].record } : { error: outcome.reason as unknown },
    );
  }

  private insert(group: readonly RecordToSave[]): Promise<void> {
    return this.records.insertAll(
      group.map(({ record }) => record),
      (first) =>
        this.outbox.insertion(
          group.map(({ sealed }) => sealed),
          first,
        ),
    );
  }

  async byId(id: string): Promise<MedicalRecord> {
    const record = await this.records.byId(id);
    if (!record) throw new NotFoundException(`Record ${id} does not exist`);
    return record;
  }

  async byPatient(patientId: string): Promise<MedicalRecord[]> {
    if (!(await this.patients.exists(patientId))) throw patientNotFound(patientId);
    return this.records.byPatient(patientId);
  }
}
