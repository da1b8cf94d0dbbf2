export * from './doctor';
export { renderDoctorReport } from './render';
export * from './policy-analysis';
