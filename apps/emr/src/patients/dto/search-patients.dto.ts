import { ApiProperty } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsString, Length } from 'class-validator';
import { IsPlainText } from '@app/platform';

/** Shortest query `POST /patients/search` accepts: one letter would list most of the clinic. */
export const PATIENT_SEARCH_MIN_CHARS = 2;
/** Longest query: longer than any MRN or name prefix a person types. */
export const PATIENT_SEARCH_MAX_CHARS = 64;

/**
 * A patient search. In the body, not the URL: a name is PHI, and URLs end up in logs, browser
 * history and proxies. Trimmed before it is checked, so `"  ab "` is the two-character `ab`.
 */
export class SearchPatientsDto {
  @ApiProperty({
    example: 'Testp',
    minLength: PATIENT_SEARCH_MIN_CHARS,
    maxLength: PATIENT_SEARCH_MAX_CHARS,
    description: 'Start of an MRN, a given name or a family name (case-insensitive)',
  })
  @Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value))
  @IsString({ message: 'query must be a string' })
  @Length(PATIENT_SEARCH_MIN_CHARS, PATIENT_SEARCH_MAX_CHARS, {
    message: `query must be ${PATIENT_SEARCH_MIN_CHARS} to ${PATIENT_SEARCH_MAX_CHARS} characters (after trimming)`,
  })
  @IsPlainText()
  query!: string;
}
