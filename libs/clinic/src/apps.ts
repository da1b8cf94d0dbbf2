/**
 * The clinic's processes, listed once. Everything that names the apps (their ports, databases,
 * entry points, who publishes and who consumes) derives from this list: the platform config, the
 * CLI and `npm start`, the test environment and harnesses, the bench, docker-compose.yml
 * (`npm run infra:compose`) and the CDK stack. Adding a consumer is its own folder (apps/<name>,
 * with the conventional files) plus one line here (docs/architecture.md, "Adding an app").
 */
import { consumes, defineApp, defineProcess, PUBLISHES, type ProcessBlueprint } from './app-blueprint';
import { ROUTING_ATTRIBUTE } from './routing-attributes';

/**
 * The clinic's apps, in start order: the publisher first, then the consumers, each with what its
 * subscription routes on (the topology's queues are made from these lines).
 */
export const CLINIC_APPS = [
  defineApp('emr', 'EMR', 3000, PUBLISHES),
  // Billing invoices billable visits only.
  defineApp('billing', 'Billing', 3001, consumes('billing', { [ROUTING_ATTRIBUTE.billable]: ['true'] })),
  // Scheduling books follow-ups and lab visits and sends medication reminders: every record.
  defineApp('scheduling', 'Scheduling', 3002, consumes('scheduling')),
  // Prescription acts only on records that order medication.
  defineApp(
    'prescription',
    'Prescription',
    3003,
    consumes('prescription', { [ROUTING_ATTRIBUTE.hasMedications]: ['true'] }),
  ),
] as const;

/** The clinic's screen (apps/web): a process of its own, with no database and no messaging. */
export const CLINIC_SCREEN: ProcessBlueprint<'web'> = defineProcess('web', 'Screen', 8080);
