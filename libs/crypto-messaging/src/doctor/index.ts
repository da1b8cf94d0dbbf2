export * from './doctor';
export { DOCTOR_LINE_WIDTH, renderDoctorReport, type DoctorRenderOptions } from './render';
export * from './policy-analysis';
