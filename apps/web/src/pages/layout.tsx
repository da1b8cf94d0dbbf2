import type { ComponentChildren } from 'preact';
import type { Role } from '@app/identity';
import { CSRF_FIELD } from '../session/screen.guard';
import type { WebSession } from '../session/web-sessions';

/** What every page knows about the person looking at it (nothing when signed out). */
export interface PageContext {
  readonly session?: WebSession;
  readonly profile: 'embedded' | 'aws';
  /** Seconds without activity before the automatic sign-out, and when to warn. */
  readonly idle?: { readonly seconds: number; readonly warnSeconds: number };
  /** The script's fingerprinted path (served by the assets controller). */
  readonly script: string;
  readonly style: string;
}

/** The screens each role opens, in the order of the menu; the first is where they land. */
export const NAVIGATION: readonly {
  readonly href: string;
  readonly label: string;
  readonly roles: readonly Role[];
}[] = [
  { href: '/patients', label: 'Patients', roles: ['physician', 'nurse'] },
  { href: '/invoices', label: 'Invoices', roles: ['billing-clerk'] },
  { href: '/calendar', label: 'Calendar', roles: ['scheduler'] },
  { href: '/prescriptions', label: 'Prescriptions', roles: ['pharmacist'] },
  { href: '/audit', label: 'Audit trail', roles: ['privacy-officer'] },
  { href: '/doctor', label: 'Doctor', roles: ['administrator'] },
];

/** Where a person lands after signing in: their first screen. */
export function landingOf(roles: readonly Role[]): string | undefined {
  return NAVIGATION.find((n) => n.roles.some((r) => roles.includes(r)))?.href;
}

/** The page shell: header with who is signed in, the role's menu, the content, the idle warning. */
export function Layout(props: {
  ctx: PageContext;
  /** The page's heading; it may name a patient. */
  title: string;
  /**
   * The browser's title (tab, window, history, bookmarks), which outlives the session: never a
   * name. Required when `title` holds PHI; otherwise the heading is used.
   */
  tab?: string;
  current?: string;
  children: ComponentChildren;
}) {
  const { ctx, title, current } = props;
  const session = ctx.session;
  const items = session ? NAVIGATION.filter((n) => n.roles.some((r) => session.roles.includes(r))) : [];
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="referrer" content="same-origin" />
        <link rel="icon" href="data:," />
        <title>{`${props.tab ?? title} · Synthetic Family Clinic`}</title>
        <link rel="stylesheet" href={ctx.style} />
        <script src={ctx.script} defer />
      </head>
      <body
        data-idle-seconds={ctx.idle?.seconds}
        data-idle-warn-seconds={ctx.idle?.warnSeconds}
        data-csrf={session?.csrf}
      >
        <a class="skip" href="#main">
          Skip to content
        </a>
        <header class="top">
          <p class="brand">
            <a href="/">Synthetic Family Clinic</a>
            <span class="profile" title="Where the messages travel">
              {ctx.profile === 'embedded' ? 'embedded profile' : 'aws profile'}
            </span>
          </p>
          {session && (
            <nav aria-label="Screens">
              <ul>
                {items.map((item) => (
                  <li>
                    <a href={item.href} aria-current={current === item.href ? 'page' : undefined}>
                      {item.label}
                    </a>
                  </li>
                ))}
              </ul>
            </nav>
          )}
          {session && (
            <form method="post" action="/logout" class="who">
              <span>
                {session.username} <span class="roles">({session.roles.join(', ')})</span>
              </span>
              <input type="hidden" name={CSRF_FIELD} value={session.csrf} />
              <button type="submit">Sign out</button>
            </form>
          )}
        </header>
        <main id="main">
          <h1>{title}</h1>
          {props.children}
        </main>
        {session && ctx.idle && (
          <dialog id="idle-warning" aria-labelledby="idle-title">
            <h2 id="idle-title">Still there?</h2>
            <p>
              For the patients' privacy you will be signed out in <strong id="idle-countdown" /> seconds
              without activity.
            </p>
            <form method="post" action="/logout" id="idle-logout">
              <input type="hidden" name={CSRF_FIELD} value={session.csrf} />
              <input type="hidden" name="reason" value="idle" />
            </form>
            <button type="button" id="idle-stay" autofocus>
              Stay signed in
            </button>
          </dialog>
        )}
      </body>
    </html>
  );
}

/** The session's form token, for every form that writes. */
export function Csrf(props: { session: WebSession }) {
  return <input type="hidden" name={CSRF_FIELD} value={props.session.csrf} />;
}

/** A labelled input with its errors beside it (the API's 400 messages for that field). */
export function Field(props: {
  name: string;
  label: string;
  value?: string;
  errors?: Record<string, string[]>;
  type?: string;
  list?: string;
  required?: boolean;
  hint?: string;
  autocomplete?: string;
  inputMode?: string;
}) {
  const id = fieldId(props.name);
  const problems = props.errors?.[props.name] ?? [];
  const describedBy = [problems.length ? `${id}-error` : '', props.hint ? `${id}-hint` : '']
    .filter(Boolean)
    .join(' ');
  return (
    <div class={problems.length ? 'field invalid' : 'field'}>
      <label for={id}>{props.label}</label>
      <input
        id={id}
        name={props.name}
        type={(props.type ?? 'text') as 'text'}
        value={props.value ?? ''}
        list={props.list}
        required={props.required}
        autocomplete={props.autocomplete ?? 'off'}
        inputMode={props.inputMode}
        aria-invalid={problems.length ? 'true' : undefined}
        aria-describedby={describedBy || undefined}
      />
      {props.hint && (
        <small id={`${id}-hint`} class="hint">
          {props.hint}
        </small>
      )}
      {problems.length > 0 && (
        <p id={`${id}-error`} class="error" role="alert">
          {problems.map(besideField).join(' ')}
        </p>
      )}
    </div>
  );
}

/** Beside its field, a message need not name the field ("diagnoses.1.icd10: unknown ..." -> "unknown ..."). */
const besideField = (message: string) => message.replace(/^[\w.]+:\s+/, '');

/** A labelled select with its errors beside it. */
export function Select(props: {
  name: string;
  label: string;
  value?: string;
  options: readonly { readonly value: string; readonly label: string }[];
  errors?: Record<string, string[]>;
  empty?: string;
}) {
  const id = fieldId(props.name);
  const problems = props.errors?.[props.name] ?? [];
  return (
    <div class={problems.length ? 'field invalid' : 'field'}>
      <label for={id}>{props.label}</label>
      <select
        id={id}
        name={props.name}
        aria-invalid={problems.length ? 'true' : undefined}
        aria-describedby={problems.length ? `${id}-error` : undefined}
      >
        {props.empty !== undefined && <option value="">{props.empty}</option>}
        {props.options.map((o) => (
          <option value={o.value} selected={o.value === props.value}>
            {o.label}
          </option>
        ))}
      </select>
      {problems.length > 0 && (
        <p id={`${id}-error`} class="error" role="alert">
          {problems.join(' ')}
        </p>
      )}
    </div>
  );
}

/** Problems that name no field (or a field the form does not show), above the form. */
export function Problems(props: { messages?: readonly string[] }) {
  if (!props.messages?.length) return null;
  return (
    <div class="problems" role="alert">
      <p>The clinic could not accept this:</p>
      <ul>
        {props.messages.map((m) => (
          <li>{m}</li>
        ))}
      </ul>
    </div>
  );
}

/** A short message at the top of a page (saved, signed out ...). */
export function Notice(props: { children: ComponentChildren; kind?: 'info' | 'success' | 'warning' }) {
  return (
    <p class={`notice ${props.kind ?? 'info'}`} role="status">
      {props.children}
    </p>
  );
}

export const fieldId = (name: string) => `f-${name.replace(/[^A-Za-z0-9_-]/g, '-')}`;

/** A date-time in the clinic's time zone (UTC), with the zone said. */
export function clinicTime(iso: string | null | undefined): string {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** US cents as dollars. */
export const dollars = (cents: number) => `$${(cents / 100).toFixed(2)}`;
