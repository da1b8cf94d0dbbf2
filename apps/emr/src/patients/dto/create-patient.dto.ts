import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, Length, Matches } from 'class-validator';
import { IsCalendarDate, IsPlainText } from '@app/platform';

/** A new patient. Use synthetic data only. */
export class CreatePatientDto {
  @ApiProperty({ example: 'Alex' })
  @IsString()
  @Length(1, 100)
  @IsPlainText()
  givenName!: string;

  @ApiProperty({ example: 'Testpatient' })
  @IsString()
  @Length(1, 100)
  @IsPlainText()
  familyName!: string;

  @ApiProperty({ example: '1980-01-01', description: 'Calendar date, from 1900-01-01 to today' })
  @IsCalendarDate('1980-01-01')
  dateOfBirth!: string;

  @ApiPropertyOptional({ example: '555-0100' })
  @IsOptional()
  @IsString()
  @Matches(/^\+?[0-9 ().-]{7,20}$/, { message: 'phone must be 7-20 digits, spaces or ( ) . - +' })
  phone?: string;
}
