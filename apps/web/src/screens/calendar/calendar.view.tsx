import { LAB_TESTS } from '@app/catalogue';
import { Layout, Notice, type PageContext } from '../../pages/layout';
import { dayLabel, timeOf, type CalendarWeek } from './calendar-week';

/** An appointment as Scheduling answers it (no name: a scheduler books by patient id). */
export interface Appointment {
  readonly id: string;
  readonly kind: 'follow-up' | 'lab';
  readonly resource: 'clinic' | 'lab';
  readonly loinc: string | null;
  readonly patientId: string;
  readonly recordId: string;
  readonly slotStart: string;
  readonly slotEnd: string;
}

/** A medication reminder as Scheduling answers it. */
export interface Reminder {
  readonly id: string;
  readonly patientId: string;
  readonly medicationName: string;
  readonly dose: string;
  readonly frequency: string;
  readonly timeOfDay: string;
  readonly timeZone: string;
  readonly startDate: string;
  readonly endDate: string;
  readonly doses: number;
}

const labName = (loinc: string | null) =>
  loinc ? (LAB_TESTS.find((t) => t.loinc === loinc)?.name ?? `LOINC ${loinc}`) : '';

/** A patient as the scheduler's list shows them: the start of their id (the full id on hover). */
function PatientRef(props: { id: string }) {
  return (
    <span class="mono" title={props.id}>
      {`patient ${props.id.slice(0, 8)}`}
    </span>
  );
}

/** The scheduler's week: appointments by day with their times (UTC), then the reminders running. */
export function CalendarPage(props: {
  ctx: PageContext;
  week: CalendarWeek;
  appointments: readonly Appointment[];
  reminders: readonly Reminder[];
  problem?: string;
}) {
  const { week, appointments, reminders } = props;
  const byDay = new Map<string, Appointment[]>(week.days.map((d) => [d, []]));
  for (const a of [...appointments].sort((x, y) => x.slotStart.localeCompare(y.slotStart))) {
    byDay.get(new Date(a.slotStart).toISOString().slice(0, 10))?.push(a);
  }
  return (
    <Layout ctx={props.ctx} title="Calendar" current="/calendar">
      {props.problem && <Notice kind="warning">{props.problem}</Notice>}
      <nav class="week-nav" aria-label="Weeks">
        <a href={`/calendar?week=${week.previous}`} rel="prev">
          ← Previous week
        </a>
        <h2 id="week-title">{`${dayLabel(week.monday)} to ${dayLabel(week.sunday)} (UTC)`}</h2>
        <a href={`/calendar?week=${week.next}`} rel="next">
          Next week →
        </a>
      </nav>
      <p class="hint">
        {`${appointments.length} appointment${appointments.length === 1 ? '' : 's'} this week. Times are the clinic’s, in UTC.`}
      </p>
      <ol class="week" aria-labelledby="week-title">
        {week.days.map((day) => {
          const list = byDay.get(day) ?? [];
          return (
            <li class="day" aria-labelledby={`day-${day}`}>
              <h3 id={`day-${day}`}>{dayLabel(day, false)}</h3>
              {list.length === 0 ? (
                <p class="hint">No appointments</p>
              ) : (
                <ul>
                  {list.map((a) => (
                    <li class={`appointment ${a.kind}`}>
                      <strong>{`${timeOf(a.slotStart)}–${timeOf(a.slotEnd)} UTC`}</strong>
                      <br />
                      {a.kind === 'lab' ? `Lab: ${labName(a.loinc)}` : 'Follow-up visit'}
                      {` (${a.resource})`}
                      <br />
                      <PatientRef id={a.patientId} />
                    </li>
                  ))}
                </ul>
              )}
            </li>
          );
        })}
      </ol>
      <h2>Medication reminders this week</h2>
      {reminders.length === 0 ? (
        <p>No medication reminders run this week.</p>
      ) : (
        <table>
          <caption>{`${reminders.length} reminder${reminders.length === 1 ? '' : 's'} running on a day of this week, one a day at the time shown`}</caption>
          <thead>
            <tr>
              <th scope="col">Medication</th>
              <th scope="col">Dose and frequency</th>
              <th scope="col">Reminder at</th>
              <th scope="col">From</th>
              <th scope="col">To</th>
              <th scope="col" class="num">
                Doses
              </th>
              <th scope="col">Patient</th>
            </tr>
          </thead>
          <tbody>
            {reminders.map((r) => (
              <tr>
                <td>{r.medicationName}</td>
                <td>{`${r.dose}, ${r.frequency}`}</td>
                <td>{`${r.timeOfDay} ${r.timeZone}`}</td>
                <td>{r.startDate}</td>
                <td>{r.endDate}</td>
                <td class="num">{r.doses}</td>
                <td>
                  <PatientRef id={r.patientId} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Layout>
  );
}
