import { Injectable, NotFoundException } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import type { CreatePatientDto } from './dto/create-patient.dto';
import { Patient } from './patient.entity';

@Injectable()
export class PatientsService {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** Registers a patient (validated by its DTO) and assigns the next MRN (`SYN-000001` ...). */
  async create(dto: CreatePatientDto): Promise<Patient> {
    const [{ next }] = await this.dataSource.query<Array<{ next: string }>>(
      "SELECT nextval('patient_mrn_seq') AS next",
    );
    const patient = this.dataSource.getRepository(Patient).create({
      ...dto,
      phone: dto.phone ?? null,
      mrn: `SYN-${next.padStart(6, '0')}`,
    });
    return this.dataSource.getRepository(Patient).save(patient);
  }

  async byId(id: string): Promise<Patient> {
    const patient = await this.dataSource.getRepository(Patient).findOne({ where: { id } });
    if (!patient) throw new NotFoundException(`Patient ${id} does not exist`);
    return patient;
  }
}
