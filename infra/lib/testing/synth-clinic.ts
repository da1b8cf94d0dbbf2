/* eslint-disable @typescript-eslint/no-explicit-any --
   Synthesized CloudFormation is untyped JSON; these assertions check its shape at run time. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { App, type AppProps } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { buildClinicApp, type BuildOptions, type ClinicContext } from '../clinic-app';
import type { ClinicStack } from '../clinic-stack';

/** A synthesized clinic stack for assertion tests. */
export interface SynthesizedClinic {
  readonly app: App;
  readonly stack: ClinicStack;
  readonly template: Template;
}

/**
 * Builds and synthesizes the clinic app exactly as `cdk synth` does (same builder, same
 * feature flags), offline, without copying the Docker build context (the asset is still
 * fingerprinted). Call once per test file, in `beforeAll`: a synthesis takes seconds.
 */
export function synthClinic(
  context: Partial<ClinicContext> = {},
  options: BuildOptions = { nag: false },
): SynthesizedClinic {
  const app = testApp({ context: { 'aws:cdk:disable-asset-staging': true } });
  try {
    const stack = buildClinicApp(app, context, options);
    return { app, stack, template: Template.fromStack(stack) };
  } finally {
    // The template is in memory: the app's output folder is removed (app.outdir names it no more).
    removeOutdir(app);
  }
}

/**
 * An `App` for a test. Without an `outdir`, the CDK makes a `cdk.outXXXX` folder in the system's
 * temporary folder for every `App`, and never removes it: test runs would leave one per App.
 * Give it to {@link removeOutdir} once synthesized (or after the test).
 */
export function testApp(props: AppProps = {}): App {
  return new App({ ...props, outdir: mkdtempSync(path.join(tmpdir(), 'clinic-cdk-test-')) });
}

/** Removes an App's output folder (the synthesized templates are in memory by then). */
export function removeOutdir(app: App): void {
  rmSync(app.outdir, { recursive: true, force: true });
}

/** The resources of one type, by logical id. */
export function resourcesOf(
  template: Template,
  type: string,
): Record<string, { Properties: Record<string, any> }> {
  return template.findResources(type) as Record<string, { Properties: Record<string, any> }>;
}

/** The logical id of the construct's default CloudFormation resource. */
export function logicalIdOf(stack: ClinicStack, construct: { node: { defaultChild?: unknown } }): string {
  return stack.getLogicalId(construct.node.defaultChild as never);
}
