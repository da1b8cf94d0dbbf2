import { NotFoundException } from '@nestjs/common';

/** 404 for an unknown prescription id: the same answer to everyone, whoever asks. */
export function prescriptionNotFound(id: string): NotFoundException {
  return new NotFoundException(`Prescription ${id} does not exist`);
}
