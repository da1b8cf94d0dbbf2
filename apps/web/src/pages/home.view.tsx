import { Layout, Notice, type PageContext } from './layout';

const SIGNED_OUT: Record<string, string> = {
  '1': 'You have signed out.',
  idle: 'You were signed out after a period without activity, to protect the patients’ privacy.',
  expired: 'Your session has ended. Sign in again to continue.',
  required: 'Sign in to open that page.',
};

/** The front door: what the screen is, and the sign-in button. */
export function HomePage(props: { ctx: PageContext; notice?: string; error?: string }) {
  return (
    <Layout ctx={props.ctx} title="Sign in">
      {props.notice && SIGNED_OUT[props.notice] && <Notice kind="warning">{SIGNED_OUT[props.notice]}</Notice>}
      {props.error && <Notice kind="warning">{props.error}</Notice>}
      <section class="card">
        <p>
          The clinic’s screen for its staff: physicians enter records, and everyone sees what their role
          needs. Every record travels encrypted from the EMR to Billing, Scheduling and Prescription; the
          journey view shows each hop.
        </p>
        <p>
          Synthetic data only. Staff and passwords: <code>npm run clinic -- staff</code>.
        </p>
        <p>
          <a class="button" href="/login" role="button">
            Sign in with the clinic’s identity provider
          </a>
        </p>
      </section>
    </Layout>
  );
}

/** A page for a refused or failed request. */
export function ProblemPage(props: { ctx: PageContext; title: string; message: string }) {
  return (
    <Layout ctx={props.ctx} title={props.title}>
      <Notice kind="warning">{props.message}</Notice>
      <p>
        <a href="/">Back to the start</a>
      </p>
    </Layout>
  );
}
