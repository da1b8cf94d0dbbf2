import { BadRequestException, Injectable, NotFoundException } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { PatientRecordCreatedV1Event } from '@app/contracts';
import { OutboxWriter } from '../outbox/outbox.writer';
import { PatientRepository } from '../patients/patient.repository';
import { patientNotFound } from '../patients/patients.service';
import type { CreateRecordDto } from './dto/create-record.dto';
import type { MedicalRecord } from './medical-record.entity';
import { recordCreatedEvent } from './record-event';
import { recordFields } from './record-fields';
import { RecordRepository } from './record.repository';
import { catalogueProblems } from './record-validation';

@Injectable()
export class RecordsService {
  constructor(
    private readonly records: RecordRepository,
    private readonly patients: PatientRepository,
    private readonly outbox: OutboxWriter,
  ) {}

  /**
   * Saves a record and its `patient-record.created.v1` outbox row in one transaction (one
   * statement), whose commit wakes the relay (NOTIFY). The event is sealed (encrypted) before the
   * transaction opens, so no
   * plaintext PHI ever waits in the outbox (ADR 0007) and a data-key miss waits on KMS without
   * holding a database connection. The broker being down never fails this: the relay catches up
   * later. The key being out of reach (KMS down and no cached data key) fails it with 503 and
   * Retry-After, before anything is written. `enteredBy` is the signed-in person's subject id:
   * stored on the record and carried by the event, so every system's effect is attributable.
   */
  async create(patientId: string, dto: CreateRecordDto, enteredBy?: string): Promise<MedicalRecord> {
    const problems = catalogueProblems(dto);
    if (problems.length > 0) throw new BadRequestException(problems);
    const patient = await this.patients.byId(patientId);
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
    return this.records.insertWith(record, (first) => this.outbox.insertion(sealed, first));
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
