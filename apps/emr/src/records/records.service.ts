import { BadRequestException, Injectable, NotFoundException } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { catalogue } from '@app/catalogue';
import { PatientRecordCreatedV1Event } from '@app/contracts';
import { OutboxRelay } from '../outbox/outbox.relay';
import { OutboxWriter } from '../outbox/outbox.writer';
import { Patient } from '../patients/patient.entity';
import type { CreateRecordDto } from './dto/create-record.dto';
import { MedicalRecord } from './medical-record.entity';
import { recordCreatedEvent } from './record-event';
import { catalogueProblems } from './record-validation';

@Injectable()
export class RecordsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly relay: OutboxRelay,
    private readonly outbox: OutboxWriter,
  ) {}

  /**
   * Saves a record and its `patient-record.created.v1` outbox row in one transaction, then
   * nudges the relay. The event is sealed (encrypted) before the transaction opens, so no
   * plaintext PHI ever waits in the outbox (ADR 0007) and a data-key miss waits on KMS without
   * holding a database connection. The broker being down never fails this: the relay catches up
   * later. The key being out of reach (KMS down and no cached data key) fails it with 503 and
   * Retry-After, before anything is written. `enteredBy` is the signed-in person's subject id:
   * stored on the record and carried by the event, so every system's effect is attributable.
   */
  async create(patientId: string, dto: CreateRecordDto, enteredBy?: string): Promise<MedicalRecord> {
    const problems = catalogueProblems(dto);
    if (problems.length > 0) throw new BadRequestException(problems);
    const patient = await this.dataSource.getRepository(Patient).findOne({ where: { id: patientId } });
    if (!patient) throw new NotFoundException(`Patient ${patientId} does not exist`);
    const eventId = randomUUID();
    const record = this.dataSource.getRepository(MedicalRecord).create({
      id: randomUUID(),
      patientId,
      physicianId: dto.physicianId,
      visitType: dto.visit.type,
      cptCode: catalogue.visitType(dto.visit.type)!.cptCode,
      visitDate: new Date(dto.visit.date),
      procedures: (dto.procedures ?? []).map((p) => ({ cptCode: p.cptCode })),
      diagnoses: dto.diagnoses.map((d) => ({
        icd10: d.icd10,
        description: catalogue.diagnosis(d.icd10)!.description,
      })),
      medications: (dto.medications ?? []).map((m) => ({
        rxnorm: m.rxnorm,
        name: catalogue.medication(m.rxnorm)!.name,
        dose: m.dose,
        frequency: m.frequency,
        quantity: m.quantity,
        refills: m.refills,
        pharmacyId: m.pharmacyId,
      })),
      immunizations: (dto.immunizations ?? []).map((v) => ({
        cvx: v.cvx,
        name: catalogue.immunization(v.cvx)!.name,
        date: v.date,
      })),
      labOrders: (dto.labOrders ?? []).map((l) => ({
        loinc: l.loinc,
        name: catalogue.labTest(l.loinc)!.name,
      })),
      labResults: (dto.labResults ?? []).map((l) => ({
        loinc: l.loinc,
        value: l.value,
        unit: l.unit,
        ...(l.flag ? { flag: l.flag } : {}),
      })),
      followUpDays: dto.followUpDays ?? null,
      note: dto.note ?? '',
      billable: dto.billable ?? true,
      enteredBy: enteredBy ?? null,
      eventId,
    });
    const event = recordCreatedEvent(record, patient);
    const sealed = await this.outbox.seal({
      event: PatientRecordCreatedV1Event,
      data: event.payload,
      id: eventId,
      occurredAt: new Date(),
      attributes: event.attributes,
    });
    const saved = await this.dataSource.transaction(async (manager) => {
      const inserted = await manager.save(record);
      await this.outbox.insert(manager, sealed);
      return inserted;
    });
    this.relay.nudge();
    return saved;
  }

  async byId(id: string): Promise<MedicalRecord> {
    const record = await this.dataSource.getRepository(MedicalRecord).findOne({ where: { id } });
    if (!record) throw new NotFoundException(`Record ${id} does not exist`);
    return record;
  }

  async byPatient(patientId: string): Promise<MedicalRecord[]> {
    if (!(await this.dataSource.getRepository(Patient).exists({ where: { id: patientId } }))) {
      throw new NotFoundException(`Patient ${patientId} does not exist`);
    }
    return this.dataSource
      .getRepository(MedicalRecord)
      .find({ where: { patientId }, order: { visitDate: 'DESC' } });
  }
}
