import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** A patient's demographics (synthetic in this project). PHI: lives in the EMR database only. */
@Entity({ name: 'patients' })
export class Patient {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  /** Medical record number, assigned by the EMR (`SYN-000123`). */
  @Column('text', { unique: true })
  mrn!: string;

  @Column('text', { name: 'given_name' })
  givenName!: string;

  @Column('text', { name: 'family_name' })
  familyName!: string;

  @Column('date', { name: 'date_of_birth' })
  dateOfBirth!: string;

  @Column('text', { nullable: true })
  phone!: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
