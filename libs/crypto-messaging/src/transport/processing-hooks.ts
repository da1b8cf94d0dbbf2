import type { BaseRpcContext, MessageHandler, Server } from '@nestjs/microservices';
import { isObservable, lastValueFrom } from 'rxjs';

type TransportId = NonNullable<Server['transportId']>;
type StartHook = (transportId: TransportId, context: BaseRpcContext, done: () => Promise<unknown>) => unknown;
type EndHook = ((transportId: TransportId, context: BaseRpcContext) => void) | undefined;

/** A server's processing hooks, as Nest's `Server` holds them. */
export interface ProcessingHooks {
  readonly transportId: TransportId;
  /** The start hook, or undefined when it is Nest's default (which only runs the handler). */
  readonly start: StartHook | undefined;
  readonly end: EndHook;
}

/**
 * Runs a handler (once per message, or once per batch) inside Nest's processing hooks, as
 * Nest's own transports do: the start hook wraps the handler (a trace span, a request scope),
 * the end hook follows it. Resolves to what the handler gave (an observable's last value).
 */
export async function runInHooks(
  hooks: ProcessingHooks,
  handler: MessageHandler,
  data: unknown,
  context: BaseRpcContext,
): Promise<unknown> {
  const { start, transportId } = hooks;
  // Nest's default start hook runs the handler at once: the same, without its promise and closures.
  if (!start) return invoke(hooks, handler, data, context);
  // Handlers may fail with what is not an Error (Nest's filter gives `{ status, message }`).
  const settled = await new Promise<{ error: unknown } | { result: unknown }>((resolve) => {
    let called = false;
    const done = async () => {
      called = true;
      try {
        resolve({ result: await invoke(hooks, handler, data, context) });
      } catch (error) {
        resolve({ error });
      }
    };
    // A start hook that never runs the handler must not hold the message (and its slot) for
    // ever; once it has run it, the handler's outcome decides, whatever the hook does after.
    const notRun = () => {
      if (!called)
        resolve({ error: new Error('the processing start hook returned without running the handler') });
    };
    try {
      const started: unknown = start(transportId, context, done);
      if (started instanceof Promise) {
        started.then(notRun, (error: unknown) => {
          if (!called) resolve({ error });
        });
      } else {
        notRun();
      }
    } catch (error) {
      if (!called) resolve({ error });
    }
  });
  if ('error' in settled) throw settled.error;
  return settled.result;
}

/** The handler to its end (an observable to completion), then the end hook, whatever happened. */
async function invoke(
  hooks: ProcessingHooks,
  handler: MessageHandler,
  data: unknown,
  context: BaseRpcContext,
): Promise<unknown> {
  try {
    const result: unknown = await handler(data, context);
    return isObservable(result) ? await lastValueFrom(result, { defaultValue: undefined }) : result;
  } finally {
    try {
      hooks.end?.(hooks.transportId, context);
    } catch {
      // The handler's outcome decides; an end hook that throws changes nothing.
    }
  }
}
