import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsISO8601, IsOptional, IsString, Length, Matches } from 'class-validator';

/** A new patient. Use synthetic data only. */
export class CreatePatientDto {
  @ApiProperty({ example: 'Alex' })
  @IsString()
  @Length(1, 100)
  givenName!: string;

  @ApiProperty({ example: 'Testpatient' })
  @IsString()
  @Length(1, 100)
  familyName!: string;

  @ApiProperty({ example: '1980-01-01', description: 'ISO date, not in the future' })
  @Matches(/^\d{4}-\d{2}-\d{2}$/, { message: 'dateOfBirth must be a date such as 1980-01-01' })
  @IsISO8601({ strict: true }, { message: 'dateOfBirth must be a valid calendar date' })
  dateOfBirth!: string;

  @ApiPropertyOptional({ example: '555-0100' })
  @IsOptional()
  @Matches(/^\+?[0-9 ().-]{7,20}$/, { message: 'phone must be 7-20 digits, spaces or ( ) . - +' })
  phone?: string;
}
