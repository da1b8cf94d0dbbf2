import type { CiphertextHead, HopObservation, KeyOperation, Profile } from '@app/crypto-messaging';
import type { ComponentChildren } from 'preact';
import { Csrf, Layout, Notice, type PageContext } from '../../pages/layout';
import type { WebSession } from '../../session/web-sessions';
import {
  label,
  seconds,
  type CopyOutcome,
  type CopySent,
  type JourneyModel,
  type Lane,
  type StepState,
} from './journey.model';

/** The lab's record actions, as the break-it panel names them. */
export const LAB_ACTIONS = {
  tamper: 'Send a tampered copy',
  forge: 'Send a forged plaintext message',
  replay: 'Replay a copy',
} as const;
export type LabAction = keyof typeof LAB_ACTIONS;

const COPY_KIND: Record<CopySent['kind'], string> = {
  original: 'the record (relay)',
  tamper: 'tampered copy (lab)',
  forge: 'forged plaintext (lab)',
  replay: 'replayed copy (lab)',
  unknown: 'copy',
};

/** A hop's time: the clinic's zone (UTC), to the millisecond (hops are milliseconds apart). */
export function hopTime(iso: string | null | undefined): string {
  if (!iso) return '';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : `${d.toISOString().slice(11, 23)} UTC`;
}

const STATE_BADGE: Record<StepState, { text: string; css: string }> = {
  done: { text: 'done', css: 'ok' },
  moving: { text: 'in flight', css: 'wait' },
  waiting: { text: 'waiting', css: 'wait' },
  failed: { text: 'dead-lettered', css: 'bad' },
  skipped: { text: 'filtered out', css: 'off' },
  pending: { text: 'pending', css: 'off' },
};

/** The journey page: the live diagram, the time to done, and (embedded profile) the break-it panel. */
export function JourneyPage(props: {
  ctx: PageContext;
  session: WebSession;
  model: JourneyModel;
  notice?: { text: string; kind: 'info' | 'success' | 'warning' };
}) {
  const { ctx, session, model } = props;
  const lab = ctx.profile === 'embedded';
  return (
    <Layout ctx={ctx} title={`Journey of record ${model.recordId.slice(0, 8)}`}>
      {props.notice && <Notice kind={props.notice.kind}>{props.notice.text}</Notice>}
      <p class="lede">
        The record's event, from the EMR's outbox through the encrypted topic to each queue and system. Only
        ids, times, lengths, the first bytes of ciphertext and the plaintext routing attributes are shown: the
        record itself never leaves its envelope on the way.
      </p>
      <p id="journey-progress" role="status" class="progress">
        {model.summary}
      </p>
      <JourneyLive model={model} session={session} lab={lab} />
      <p class="hint">
        This page keeps itself up to date for two minutes. <a href={journeyPath(model.recordId)}>Reload</a> to
        see the latest.
      </p>
    </Layout>
  );
}

export const journeyPath = (recordId: string) => `/records/${recordId}/journey`;

/**
 * The part of the page the live updates replace: rendered here on the server for the first
 * page and for every server-sent update (Preact escapes every value), swapped in whole. The
 * break-it panel is part of it, so that "Stop" and "Start" follow the consumers' live state.
 */
export function JourneyLive(props: { model: JourneyModel; session?: WebSession; lab: boolean }) {
  const { model, session } = props;
  const lanes = model.lanes;
  return (
    <div
      id="journey-live"
      data-events={`${journeyPath(model.recordId)}/events`}
      data-summary={model.summary}
      data-all-done={model.allDone ? 'true' : 'false'}
    >
      <p class="elapsed">
        Record saved to all admitted consumers done:{' '}
        <strong id="journey-elapsed">
          {model.elapsedMs === undefined ? 'not yet' : seconds(model.elapsedMs)}
        </strong>
        {model.outbox && (
          <span class="hint">
            {' '}
            (saved {model.outbox.createdAt.slice(0, 10)} {hopTime(model.outbox.createdAt)})
          </span>
        )}
      </p>
      {props.lab && session && <BreakItPanel session={session} model={model} />}

      <section aria-labelledby="publisher-title">
        <h2 id="publisher-title">EMR: outbox, publish, topic</h2>
        <ol class="flow">
          <Step title="Outbox row" state={model.outbox ? 'done' : 'pending'} at={model.outbox?.createdAt}>
            <Fact name="Event id" mono>
              {model.eventId}
            </Fact>
            {model.outbox?.ciphertext && <Ciphertext head={model.outbox.ciphertext} />}
            {model.sealed?.keyOp && (
              <Fact name="Data key (EMR)">{keyOpWords(model.sealed.keyOp, model.profile)}</Fact>
            )}
          </Step>
          <Step
            title="Publish"
            state={model.published ? 'done' : model.outbox?.lastError ? 'failed' : 'moving'}
            at={model.outbox?.publishedAt ?? undefined}
          >
            <Fact name="SNS message id" mono>
              {model.outbox?.messageId ?? 'not yet'}
            </Fact>
            <Fact name="Attempts">{String(model.outbox?.attempts ?? 0)}</Fact>
            {model.outbox?.lastError && <Fact name="Last error">{model.outbox.lastError}</Fact>}
          </Step>
          <Step title={`Topic ${model.topic}`} state={model.published ? 'done' : 'pending'}>
            <p class="small">
              Carries the envelope as sealed; the routing attributes stay plaintext, for the filter policies:
            </p>
            <Attributes attributes={model.outbox?.attributes ?? {}} />
          </Step>
        </ol>
      </section>

      <div class="lanes">
        {lanes.map((lane) => (
          <LaneView lane={lane} profile={model.profile} />
        ))}
      </div>

      <section aria-labelledby="copies-title">
        <h2 id="copies-title">Copies sent and what caught each one</h2>
        <table class="copies">
          <caption>
            {model.copies.length === 1 ? '1 copy sent' : `${model.copies.length} copies sent`}
          </caption>
          <thead>
            <tr>
              <th scope="col">Copy</th>
              <th scope="col">Sent</th>
              {lanes.map((l) => (
                <th scope="col">{label(l.consumer)}</th>
              ))}
            </tr>
          </thead>
          <tbody>
            {model.copies.map((copy) => (
              <tr data-copy={copy.kind}>
                <th scope="row">
                  {copy.n}. {COPY_KIND[copy.kind]}
                </th>
                <td>
                  {hopTime(copy.at)}
                  {copy.messageId && (
                    <>
                      <br />
                      <span class="mono small">{copy.messageId}</span>
                    </>
                  )}
                </td>
                {lanes.map((l) => (
                  <td data-consumer={l.consumer}>
                    <OutcomeText outcome={l.outcomes.find((o) => o.copy === copy.n)} lane={l} />
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </section>
    </div>
  );
}

function LaneView(props: { lane: Lane; profile: Profile }) {
  const { lane, profile } = props;
  const id = `lane-${lane.consumer}`;
  const deadLettered = lane.outcomes.filter((o) => o.state === 'dead-lettered');
  return (
    <section
      class={`lane ${lane.state}`}
      id={id}
      aria-labelledby={`${id}-title`}
      data-transport={lane.transport}
      data-effect={lane.effect?.kind}
    >
      <h2 id={`${id}-title`}>
        {label(lane.consumer)} <Badge state={lane.state} />
      </h2>
      <ol class="flow vertical">
        <Step title="Filter policy" state={lane.admitted ? 'done' : 'skipped'}>
          <p class="small">
            {lane.admitted ? 'Let it through: ' : 'Kept it out: '}
            {lane.why}
          </p>
          <pre class="policy">{JSON.stringify(lane.filterPolicy)}</pre>
        </Step>
        <Step
          title={`Queue ${lane.queue}`}
          state={
            !lane.admitted
              ? 'skipped'
              : lane.received
                ? 'done'
                : lane.state === 'waiting'
                  ? 'waiting'
                  : 'pending'
          }
          at={lane.received?.at}
        >
          {lane.received?.ciphertext ? (
            <>
              <p class="small">The ciphertext as the queue held it:</p>
              <Ciphertext head={lane.received.ciphertext} />
              <Fact name="SQS message id" mono>
                {lane.received.messageId ?? ''}
              </Fact>
              <Fact name="Receives">{String(lane.received.receiveCount ?? 1)}</Fact>
              <p class="small">Beside it, plaintext:</p>
              <Attributes attributes={lane.received.attributes ?? {}} />
            </>
          ) : (
            <p class="small">
              {!lane.admitted
                ? 'Nothing delivered: the subscription filtered it out.'
                : lane.transport === 'paused'
                  ? `Waiting in ${lane.queue}: ${label(lane.consumer)} is stopped.`
                  : 'Not received yet.'}
            </p>
          )}
        </Step>
        <Step
          title={`Consumer ${lane.consumer}`}
          state={
            !lane.admitted
              ? 'skipped'
              : lane.decrypted
                ? 'done'
                : lane.state === 'waiting'
                  ? 'waiting'
                  : 'pending'
          }
          at={lane.decrypted?.at}
        >
          <Fact name="Transport">
            <span class={`badge ${lane.transport === 'running' ? 'ok' : 'wait'}`}>
              {lane.transport === 'unknown' ? 'not answering' : lane.transport}
            </span>
          </Fact>
          {lane.keyOps.length > 0 && (
            <Fact name="Data key">
              <ul class="plain">
                {lane.keyOps.map((k) => (
                  <li>
                    {keyOpWords(k.keyOp, profile)} <span class="hint">{hopTime(k.at)}</span>
                  </li>
                ))}
              </ul>
            </Fact>
          )}
          {deadLettered.length > 0 && (
            <Fact name="Dead-lettered">
              <ul class="plain">
                {deadLettered.map((o) => (
                  <li>
                    copy {o.copy} to {lane.deadLetterQueue}, reason <code>{o.reason ?? 'unknown'}</code>
                  </li>
                ))}
              </ul>
            </Fact>
          )}
        </Step>
        <Step
          title="Effect"
          state={
            !lane.admitted
              ? 'skipped'
              : lane.effect
                ? 'done'
                : lane.state === 'waiting'
                  ? 'waiting'
                  : 'pending'
          }
          at={lane.doneAt}
        >
          {lane.effect ? (
            <p class="effect">{effectWords(lane.effect.kind, lane.effect.ids.length)}</p>
          ) : (
            <p class="small">{lane.admitted ? 'None yet.' : 'None: not for this system.'}</p>
          )}
        </Step>
      </ol>
      <details>
        <summary>
          Every hop {label(lane.consumer)} saw ({lane.hops.length})
        </summary>
        <ol class="hops">
          {lane.hops.map((h) => (
            <li>
              <HopLine hop={h} profile={profile} />
            </li>
          ))}
        </ol>
      </details>
    </section>
  );
}

function HopLine(props: { hop: HopObservation; profile: Profile }) {
  const h = props.hop;
  return (
    <>
      <span class="mono">{hopTime(h.at).replace(' UTC', '')}</span> {h.hop}
      {h.receiveCount !== undefined && ` (receive ${h.receiveCount})`}
      {h.keyOp && `: ${keyOpWords(h.keyOp, props.profile)}`}
      {h.reason && (
        <>
          : <code>{h.reason}</code>
        </>
      )}
    </>
  );
}

/** What a consumer made of a copy, in words (the cell of the copies table). */
function OutcomeText(props: { outcome?: CopyOutcome; lane: Lane }) {
  const o = props.outcome;
  if (!o) return <span class="hint">—</span>;
  switch (o.state) {
    case 'handled':
      return <span class="badge ok">handled</span>;
    case 'duplicate':
      return (
        <>
          <span class="badge ok">duplicate</span> no-op: already processed, acknowledged, no second effect
        </>
      );
    case 'dead-lettered':
      return (
        <>
          <span class="badge bad">dead-lettered</span> <code>{o.reason ?? 'unknown'}</code> in{' '}
          {props.lane.deadLetterQueue}
        </>
      );
    case 'in-progress':
      return <span class="badge wait">being handled</span>;
    case 'retrying':
      return (
        <>
          <span class="badge wait">failed, will retry</span> <code>{o.reason ?? ''}</code>
        </>
      );
    case 'waiting':
      return (
        <>
          <span class="badge wait">waiting</span> in {props.lane.queue}: {label(props.lane.consumer)} is
          stopped
        </>
      );
    case 'on-its-way':
      return <span class="badge wait">on its way</span>;
    case 'filtered-out':
      return <span class="badge off">filtered out</span>;
  }
}

function BreakItPanel(props: { session: WebSession; model: JourneyModel }) {
  const { session, model } = props;
  const base = journeyPath(model.recordId);
  return (
    <section class="card break-it" aria-labelledby="break-it-title">
      <h2 id="break-it-title">Break it (workshop lab)</h2>
      <p class="small">
        Embedded profile only. Each button sends something the consumers must catch; the diagram below shows
        what caught it, in its lane and in the table of copies at the end.
      </p>
      <div class="row">
        {(Object.keys(LAB_ACTIONS) as LabAction[]).map((action) => (
          <form method="post" action={`${base}/lab/${action}`}>
            <Csrf session={session} />
            <button type="submit" class="danger" id={`lab-${action}`}>
              {LAB_ACTIONS[action]}
            </button>
          </form>
        ))}
      </div>
      <div class="row">
        {model.lanes.map((lane) => {
          const paused = lane.transport === 'paused';
          return (
            <form method="post" action={`${base}/transport/${lane.consumer}/${paused ? 'resume' : 'pause'}`}>
              <Csrf session={session} />
              <button type="submit" class="secondary" id={`transport-${lane.consumer}`}>
                {paused ? 'Start' : 'Stop'} {label(lane.consumer)}
              </button>
            </form>
          );
        })}
      </div>
    </section>
  );
}

function Step(props: { title: string; state: StepState; at?: string; children?: ComponentChildren }) {
  return (
    <li class={`step ${props.state}`}>
      <h3>
        {props.title} <Badge state={props.state} />
      </h3>
      {props.at && <p class="at">{hopTime(props.at)}</p>}
      {props.children}
    </li>
  );
}

function Badge(props: { state: StepState }) {
  const b = STATE_BADGE[props.state];
  return <span class={`badge ${b.css}`}>{b.text}</span>;
}

function Fact(props: { name: string; mono?: boolean; children: ComponentChildren }) {
  return (
    <p class="fact">
      <span class="name">{props.name}:</span>{' '}
      <span class={props.mono ? 'mono' : undefined}>{props.children}</span>
    </p>
  );
}

function Ciphertext(props: { head: CiphertextHead }) {
  const { head } = props;
  return (
    <div class="ciphertext">
      <Fact name="Ciphertext">{`${head.length.toLocaleString('en-US')} bytes`}</Fact>
      <p class="fact">
        <span class="name">First bytes:</span> <code class="hex">{hexBytes(head.headHex)}</code>
      </p>
      <p class="small">{headWords(head.headHex)}</p>
    </div>
  );
}

function Attributes(props: { attributes: Readonly<Record<string, string>> }) {
  const entries = Object.entries(props.attributes);
  if (entries.length === 0) return <p class="small">none</p>;
  return (
    <ul class="attributes">
      {entries.map(([name, value]) => (
        <li>
          <code>{name}</code> = <code>{value}</code>
        </li>
      ))}
    </ul>
  );
}

/** "0205780f…" -> "02 05 78 0f …". */
export const hexBytes = (hex: string) => (hex.match(/../g) ?? []).join(' ');

const SUITES: Record<string, string> = {
  '0178': 'AES-256-GCM, HKDF-SHA256',
  '0378': 'AES-256-GCM, HKDF-SHA384, ECDSA P-384 signature',
  '0478': 'AES-256-GCM, HKDF-SHA512, key commitment',
  '0578': 'AES-256-GCM, HKDF-SHA512, key commitment, ECDSA P-384 signature',
};

/** What the first bytes say: an Encryption SDK header (version, suite), or not an envelope at all. */
export function headWords(hex: string): string {
  const suiteOf = (id: string) => SUITES[id] ?? `suite 0x${id}`;
  if (hex.startsWith('02') && hex.length >= 6) {
    return `Encryption SDK message, format version 2, algorithm ${suiteOf(hex.slice(2, 6))}.`;
  }
  if (hex.startsWith('0180') && hex.length >= 8) {
    return `Encryption SDK message, format version 1, algorithm ${suiteOf(hex.slice(4, 8))}.`;
  }
  if (hex.startsWith('7b')) return 'Plaintext JSON ("{"): not an Encryption SDK message.';
  return 'Not an Encryption SDK header.';
}

/**
 * A data-key operation in words, with the KMS call it stands for. The embedded profile has no
 * KMS: there the local master key does the same work, and the page says so.
 */
export function keyOpWords(op: KeyOperation, profile: Profile): string {
  const by = profile === 'aws' ? '' : ' by the local master key';
  switch (op) {
    case 'data-key-generated':
      return `new data key generated${by} (kms:GenerateDataKey on AWS)`;
    case 'data-key-decrypted':
      return `data key unwrapped${by} (kms:Decrypt on AWS)`;
    case 'data-key-cache-hit':
      return 'cached data key reused (no key call)';
  }
}

function effectWords(kind: string, count: number): string {
  if (kind === 'skip') return 'Processed; nothing to do for this system.';
  const rows = count === 1 ? '1 row' : `${count} rows`;
  return `${kind.replace(/\+/g, ' and ')}: ${rows} written.`;
}
