import type {
  CiphertextHead,
  FilterPolicy,
  HopObservation,
  KeyOperation,
  Profile,
} from '@app/crypto-messaging';
import { consumerNames, type ClinicConsumer } from '@app/clinic';
import type { ConsumerJourney } from '@app/platform';

/**
 * The EMR's `GET /records/:id/journey` answer (docs/journey.md). Declared here, not imported:
 * the screen talks to the apps through their HTTP APIs only.
 */
export interface EmrJourney {
  readonly recordId: string;
  readonly eventId: string;
  readonly outbox: {
    readonly createdAt: string;
    readonly publishedAt: string | null;
    readonly attempts: number;
    readonly lastError: string | null;
    readonly messageId: string | null;
    readonly ciphertext: CiphertextHead | null;
    readonly attributes: Record<string, string>;
  } | null;
  readonly subscriptions: readonly {
    readonly consumer: string;
    readonly queue: string;
    readonly filterPolicy: FilterPolicy;
    readonly admitted: boolean;
    readonly why: string;
  }[];
  readonly observations: readonly HopObservation[];
}

/** The consumers, in the order the diagram draws their lanes. */
export const CONSUMERS: readonly ClinicConsumer[] = consumerNames();
export type Consumer = ClinicConsumer;

/** A copy of the event the EMR sent: the record itself, or one the lab sent on purpose. */
export interface CopySent {
  /** 1-based, in the order sent. */
  readonly n: number;
  readonly kind: 'original' | 'tamper' | 'forge' | 'replay' | 'unknown';
  readonly at?: string;
  /** The SNS message id. */
  readonly messageId?: string;
}

/** What one consumer made of one copy. */
export interface CopyOutcome {
  readonly copy: number;
  readonly state:
    | 'handled'
    | 'duplicate'
    | 'dead-lettered'
    | 'in-progress'
    | 'retrying'
    | 'waiting'
    | 'on-its-way'
    | 'filtered-out';
  readonly reason?: string;
  readonly at?: string;
  /** Receives of this copy (a failed or released receive comes back). */
  readonly receives: number;
}

/** The overall state of a step of the diagram. */
export type StepState = 'done' | 'moving' | 'waiting' | 'failed' | 'skipped' | 'pending';

/** One consumer's lane: queue -> consumer -> effect, with what the queue held and the key use. */
export interface Lane {
  readonly consumer: Consumer;
  readonly queue: string;
  readonly deadLetterQueue: string;
  readonly admitted: boolean;
  readonly why: string;
  readonly filterPolicy: FilterPolicy;
  readonly transport: 'running' | 'paused' | 'unknown';
  /** The first receive of the event: the ciphertext as the queue held it, and the attributes. */
  readonly received?: HopObservation;
  /** The first decrypt (its data-key operation). */
  readonly decrypted?: HopObservation;
  readonly effect: ConsumerJourney['effect'];
  /** When the effect was done (the first `handled` hop, else the processed-event row). */
  readonly doneAt?: string;
  readonly keyOps: readonly { readonly at: string; readonly keyOp: KeyOperation }[];
  readonly outcomes: readonly CopyOutcome[];
  readonly hops: readonly HopObservation[];
  readonly state: StepState;
}

/** Everything the journey view draws, computed from the apps' answers. */
export interface JourneyModel {
  readonly recordId: string;
  readonly eventId: string;
  /** The screen's profile: the key operations read differently without KMS. */
  readonly profile: Profile;
  readonly topic: string;
  readonly outbox: EmrJourney['outbox'];
  readonly sealed?: HopObservation;
  readonly copies: readonly CopySent[];
  readonly lanes: readonly Lane[];
  readonly published: boolean;
  /** Every admitted consumer has its effect. */
  readonly allDone: boolean;
  /** From "record saved" (outbox createdAt) to the last admitted consumer's effect. */
  readonly elapsedMs?: number;
  /** Something is moving (worth polling often); a copy waiting for a stopped consumer is not. */
  readonly inFlight: boolean;
  /** One sentence for the live status line. */
  readonly summary: string;
}

const TERMINAL = new Set(['handled', 'duplicate', 'dead-lettered']);
const LAB_KINDS = new Set(['tamper', 'forge', 'replay']);

const byTime = (a: HopObservation, b: HopObservation) => Date.parse(a.at) - Date.parse(b.at);

/** The copies the EMR sent, oldest first: the relay's publish, then the lab's. */
export function copiesSent(emr: EmrJourney): CopySent[] {
  const published = emr.observations.filter((o) => o.hop === 'published').sort(byTime);
  const copies: CopySent[] = published.map((o, i) => ({
    n: i + 1,
    kind: o.lab && LAB_KINDS.has(o.lab) ? (o.lab as CopySent['kind']) : 'original',
    at: o.at,
    messageId: o.messageId,
  }));
  // The EMR keeps its observations in memory: after a restart the outbox row still says it went.
  if (emr.outbox?.publishedAt && !copies.some((c) => c.kind === 'original')) {
    copies.unshift({
      n: 0,
      kind: 'original',
      at: emr.outbox.publishedAt,
      messageId: emr.outbox.messageId ?? undefined,
    });
  }
  return copies.map((c, i) => ({ ...c, n: i + 1 }));
}

/**
 * Walks one consumer's hops in order: each `received` is a receive of the current copy; a
 * `handled`, `duplicate` or `dead-lettered` ends that copy (the next receive is the next copy);
 * `failed` and `released` put it back, so its next receive is the same copy again.
 */
export function outcomesOf(
  hops: readonly HopObservation[],
  copies: number,
  admitted: boolean,
  transport: Lane['transport'],
): CopyOutcome[] {
  const outcomes: CopyOutcome[] = [];
  if (!admitted) {
    for (let n = 1; n <= copies; n++) outcomes.push({ copy: n, state: 'filtered-out', receives: 0 });
    return outcomes;
  }
  let receives = 0;
  let open: { state: 'in-progress' | 'retrying'; reason?: string; at?: string } | undefined;
  for (const hop of hops) {
    if (hop.hop === 'received') {
      receives++;
      open = { state: 'in-progress', at: hop.at };
    } else if (TERMINAL.has(hop.hop)) {
      outcomes.push({
        copy: outcomes.length + 1,
        state: hop.hop as CopyOutcome['state'],
        reason: hop.reason,
        at: hop.at,
        receives: Math.max(receives, 1),
      });
      receives = 0;
      open = undefined;
    } else if (hop.hop === 'failed') {
      open = { state: 'retrying', reason: hop.reason, at: hop.at };
    } else if (hop.hop === 'released') {
      open = undefined;
    }
  }
  const total = Math.max(copies, outcomes.length + (open ? 1 : 0));
  for (let n = outcomes.length + 1; n <= total; n++) {
    if (open && n === outcomes.length + 1) {
      outcomes.push({ copy: n, state: open.state, reason: open.reason, at: open.at, receives });
    } else {
      outcomes.push({ copy: n, state: transport === 'paused' ? 'waiting' : 'on-its-way', receives: 0 });
    }
  }
  return outcomes;
}

/** Puts the EMR's and the consumers' answers together into what the view draws. */
export function journeyModel(
  emr: EmrJourney,
  consumers: Readonly<Partial<Record<Consumer, ConsumerJourney>>>,
  names: {
    readonly profile: Profile;
    readonly topic: string;
    readonly deadLetterQueueOf: (consumer: string) => string;
  },
): JourneyModel {
  const copies = copiesSent(emr);
  // The relay marks the outbox row in the transaction that claimed it, which commits after the
  // publish returned: a consumer can have handled the event before the row (or the EMR's answer
  // read in the same poll) says it went. The original's publish or any effect says so too.
  const published =
    Boolean(emr.outbox?.publishedAt) ||
    copies.some((c) => c.kind === 'original') ||
    CONSUMERS.some((c) => Boolean(consumers[c]?.effect));
  const lanes: Lane[] = CONSUMERS.map((consumer) => {
    const subscription = emr.subscriptions.find((s) => s.consumer === consumer);
    const seen = consumers[consumer];
    const hops = [...(seen?.observations ?? [])].sort(byTime);
    const admitted = subscription?.admitted ?? false;
    const transport = seen?.transport ?? 'unknown';
    const outcomes = outcomesOf(hops, copies.length, admitted, transport);
    const effect = seen?.effect ?? null;
    const firstHandled = hops.find((h) => h.hop === 'handled');
    const keyOps = hops
      .filter((h) => h.hop === 'decrypted' && h.keyOp)
      .map((h) => ({ at: h.at, keyOp: h.keyOp! }));
    const state: StepState = !admitted
      ? 'skipped'
      : effect
        ? 'done'
        : !published
          ? 'pending'
          : transport === 'paused'
            ? 'waiting'
            : outcomes.some((o) => o.state === 'dead-lettered')
              ? 'failed'
              : 'moving';
    return {
      consumer,
      queue: subscription?.queue ?? seen?.queue ?? consumer,
      deadLetterQueue: names.deadLetterQueueOf(consumer),
      admitted,
      why: subscription?.why ?? 'no subscription of this consumer in the topology',
      filterPolicy: subscription?.filterPolicy ?? {},
      transport,
      received: hops.find((h) => h.hop === 'received'),
      decrypted: hops.find((h) => h.hop === 'decrypted'),
      effect,
      doneAt: effect ? (firstHandled?.at ?? effect.processedAt) : undefined,
      keyOps,
      outcomes,
      hops,
      state,
    };
  });
  const admittedLanes = lanes.filter((l) => l.admitted);
  const allDone = published && admittedLanes.every((l) => l.effect !== null);
  const createdAt = emr.outbox ? Date.parse(emr.outbox.createdAt) : NaN;
  const lastDone = Math.max(...admittedLanes.map((l) => (l.doneAt ? Date.parse(l.doneAt) : NaN)));
  const elapsedMs =
    allDone && admittedLanes.length > 0 && Number.isFinite(createdAt) && Number.isFinite(lastDone)
      ? Math.max(0, lastDone - createdAt)
      : undefined;
  const inFlight =
    !published ||
    admittedLanes.some((l) =>
      l.outcomes.some((o) => ['in-progress', 'retrying', 'on-its-way'].includes(o.state)),
    );
  return {
    recordId: emr.recordId,
    eventId: emr.eventId,
    profile: names.profile,
    topic: names.topic,
    outbox: emr.outbox,
    sealed: emr.observations.find((o) => o.hop === 'sealed'),
    copies,
    lanes,
    published,
    allDone,
    elapsedMs,
    inFlight,
    summary: summaryOf(published, lanes, allDone, elapsedMs),
  };
}

function summaryOf(published: boolean, lanes: readonly Lane[], allDone: boolean, elapsedMs?: number): string {
  if (!published) return 'Saved in the outbox; waiting for the relay to publish it.';
  const admitted = lanes.filter((l) => l.admitted);
  const done = admitted.filter((l) => l.effect);
  const waiting = admitted.filter((l) => !l.effect && l.transport === 'paused');
  if (allDone) {
    return `All ${admitted.length} admitted consumers done${elapsedMs === undefined ? '' : ` in ${seconds(elapsedMs)}`}.`;
  }
  const parts = [`${done.length} of ${admitted.length} admitted consumers done`];
  if (waiting.length) parts.push(`waiting for ${waiting.map((l) => label(l.consumer)).join(', ')} (stopped)`);
  return `${parts.join('; ')}.`;
}

/** Milliseconds as seconds with two decimals ("1.23 s"). */
export const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

/** A consumer's name as people say it. */
export const label = (consumer: string) => consumer.charAt(0).toUpperCase() + consumer.slice(1);
