/* eslint-disable @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-return, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-argument, @typescript-eslint/no-explicit-any --
   Synthesized CloudFormation is untyped JSON; these assertions check its shape at run time. */
import type { Template } from 'aws-cdk-lib/assertions';
import { PHARMACIES } from '@app/catalogue';
import { DEFAULT_AUDIENCE, loadIdentityConfig, principalOf, ROLES, STAFF } from '@app/identity';
import { APP_PORTS } from './apps';
import type { ClinicStack } from './clinic-stack';
import { API_IDENTIFIER, PASSWORD_MIN_LENGTH, pharmacyGroupName } from './identity';
import { JWKS_OBJECT_KEY } from './jwks-mirror';
import { APP_CONTAINER } from './services';
import { logicalIdOf, resourcesOf, synthClinic } from './testing/synth-clinic';

// One synthesis for the whole file, with a callback URL from the context (as `-c` gives it).
const CALLBACK = 'https://clinic.example.org/callback';
let stack: ClinicStack;
let template: Template;
beforeAll(() => {
  ({ stack, template } = synthClinic({
    signInCallbackUrls: `${CALLBACK}, http://localhost:8765/callback`,
  }));
});

const json = (v: unknown) => JSON.stringify(v);
const only = (type: string) => {
  const found = Object.entries(resourcesOf(template, type));
  expect(found).toHaveLength(1);
  return found[0];
};
const pool = () => only('AWS::Cognito::UserPool')[1].Properties;
const client = () => only('AWS::Cognito::UserPoolClient')[1].Properties;
const poolRef = () => ({ Ref: logicalIdOf(stack, stack.identity.userPool) });
const clientRef = () => ({ Ref: logicalIdOf(stack, stack.identity.client) });

describe('Cognito user pool', () => {
  it('has one group per role, named as the apps read them, and nothing else but pharmacies', () => {
    const groups = Object.values(resourcesOf(template, 'AWS::Cognito::UserPoolGroup')).map(
      (g) => g.Properties,
    );
    for (const g of groups) expect(g.UserPoolId).toEqual(poolRef());
    const names = groups.map((g) => g.GroupName as string);
    const roleGroups = names.filter((n) => !n.startsWith('pharmacy:'));
    expect(roleGroups.sort()).toEqual([...ROLES].sort());
    const authorised = PHARMACIES.filter((p) => p.authorised).map((p) => pharmacyGroupName(p.pharmacyId));
    expect(names.filter((n) => n.startsWith('pharmacy:')).sort()).toEqual(authorised.sort());
  });

  it("gives every synthetic member of staff a role group, and a pharmacist's pharmacy group yields their pharmacy", () => {
    const names = new Set(
      Object.values(resourcesOf(template, 'AWS::Cognito::UserPoolGroup')).map((g) => g.Properties.GroupName),
    );
    for (const member of STAFF) {
      const groups = [...member.roles, ...(member.pharmacyId ? [pharmacyGroupName(member.pharmacyId)] : [])];
      for (const g of groups) expect(names.has(g)).toBe(true);
      // What an app makes of a Cognito access token carrying those groups.
      const principal = principalOf(
        { sub: member.subject, 'cognito:groups': groups, client_id: 'c' },
        { roles: 'cognito:groups', pharmacy: 'pharmacy' },
      );
      expect(principal.roles).toEqual(member.roles);
      expect(principal.pharmacyId).toBe(member.pharmacyId);
    }
  });

  it('admits no self sign-up and signs in by username', () => {
    expect(pool().AdminCreateUserConfig.AllowAdminCreateUserOnly).toBe(true);
    expect(pool().UsernameAttributes).toBeUndefined();
    expect(pool().AliasAttributes).toBeUndefined();
    expect(pool().UsernameConfiguration).toEqual({ CaseSensitive: false });
  });

  it('makes MFA available as TOTP only (no SMS)', () => {
    expect(pool().MfaConfiguration).toBe('OPTIONAL');
    expect(pool().EnabledMfas).toEqual(['SOFTWARE_TOKEN_MFA']);
  });

  it('has a NIST SP 800-63B password policy: length, no composition rules', () => {
    const policy = pool().Policies.PasswordPolicy;
    expect(policy.MinimumLength).toBeGreaterThanOrEqual(15);
    expect(policy.MinimumLength).toBe(PASSWORD_MIN_LENGTH);
    for (const rule of ['RequireLowercase', 'RequireUppercase', 'RequireNumbers', 'RequireSymbols'])
      expect(policy[rule]).toBe(false);
  });

  it('enforces threat protection: breached passwords blocked, risky sign-ins must pass MFA', () => {
    expect(pool().UserPoolTier).toBe('PLUS');
    expect(pool().UserPoolAddOns).toEqual({ AdvancedSecurityMode: 'ENFORCED' });
    const risk = only('AWS::Cognito::UserPoolRiskConfigurationAttachment')[1].Properties;
    expect(risk.UserPoolId).toEqual(poolRef());
    expect(risk.ClientId).toBe('ALL');
    expect(risk.CompromisedCredentialsRiskConfiguration.Actions.EventAction).toBe('BLOCK');
    expect(risk.CompromisedCredentialsRiskConfiguration.EventFilter).toContain('SIGN_IN');
    const actions = risk.AccountTakeoverRiskConfiguration.Actions;
    expect(actions.HighAction.EventAction).toBe('MFA_REQUIRED');
    expect(actions.MediumAction.EventAction).toBe('MFA_REQUIRED');
  });

  it('is protected from deletion, by Cognito and by CloudFormation', () => {
    expect(pool().DeletionProtection).toBe('ACTIVE');
    const [id] = only('AWS::Cognito::UserPool');
    const raw = template.toJSON().Resources[id];
    expect(raw.DeletionPolicy).toBe('Retain');
    expect(raw.UpdateReplacePolicy).toBe('Retain');
  });

  it('has the clinic API as a resource server with scopes, named as the audience the embedded provider uses', () => {
    const server = only('AWS::Cognito::UserPoolResourceServer')[1].Properties;
    expect(server.Identifier).toBe(API_IDENTIFIER);
    expect(API_IDENTIFIER).toBe(DEFAULT_AUDIENCE);
    expect(server.Scopes.length).toBeGreaterThan(0);
  });

  it('has a hosted UI domain (prefix)', () => {
    const domain = only('AWS::Cognito::UserPoolDomain')[1].Properties;
    expect(domain.UserPoolId).toEqual(poolRef());
    expect(json(domain.Domain)).toContain('clinic-');
    expect(domain.CustomDomainConfig).toBeUndefined();
  });
});

describe('sign-in client', () => {
  it('is public (no secret) and allows the authorization code grant only', () => {
    expect(client().GenerateSecret).toBe(false);
    expect(client().AllowedOAuthFlowsUserPoolClient).toBe(true);
    expect(client().AllowedOAuthFlows).toEqual(['code']);
    expect(client().SupportedIdentityProviders).toEqual(['COGNITO']);
  });

  it('has no flow that hands a password to an API (SRP only, for the hosted UI)', () => {
    expect(client().ExplicitAuthFlows).toEqual(['ALLOW_USER_SRP_AUTH']);
  });

  it('issues 15-minute access and ID tokens and 12-hour refresh tokens (the session)', () => {
    expect(client().TokenValidityUnits).toEqual({
      AccessToken: 'minutes',
      IdToken: 'minutes',
      RefreshToken: 'minutes',
    });
    expect(client().AccessTokenValidity).toBe(15);
    expect(client().IdTokenValidity).toBe(15);
    expect(client().RefreshTokenValidity).toBe(12 * 60);
    // The same lifetimes the apps' own settings default to.
    const defaults = loadIdentityConfig({}, { profile: 'embedded', stateDir: '.' });
    expect(client().AccessTokenValidity * 60).toBe(defaults.accessTokenSeconds);
    expect(client().RefreshTokenValidity * 60).toBe(defaults.sessionMaxSeconds);
  });

  it('revokes tokens, rotates refresh tokens without a grace period, hides whether a user exists', () => {
    expect(client().EnableTokenRevocation).toBe(true);
    expect(client().RefreshTokenRotation).toEqual({ Feature: 'ENABLED', RetryGracePeriodSeconds: 0 });
    expect(client().PreventUserExistenceErrors).toBe('ENABLED');
  });

  it('asks for the clinic API scopes and openid, never the self-service admin scope', () => {
    const scopes = json(client().AllowedOAuthScopes);
    expect(client().AllowedOAuthScopes).toContain('openid');
    expect(scopes).toContain('/read');
    expect(scopes).not.toContain('aws.cognito.signin.user.admin');
    expect(scopes).not.toContain('"phone"');
  });

  it('returns people only to the configured URLs: https, or plain http on localhost', () => {
    expect(client().CallbackURLs).toEqual([CALLBACK, 'http://localhost:8765/callback']);
    for (const url of [...client().CallbackURLs, ...client().LogoutURLs])
      expect(url).toMatch(/^(https:\/\/|http:\/\/localhost[:/])/);
  });
});

describe('apps trust the pool', () => {
  const containers = () =>
    Object.values(resourcesOf(template, 'AWS::ECS::TaskDefinition')).flatMap(
      (t) => t.Properties.ContainerDefinitions as any[],
    );
  const envOf = (c: any): Record<string, unknown> =>
    Object.fromEntries((c.Environment ?? []).map((e: any) => [e.Name, e.Value]));

  it('every app container gets the issuer, the client id as audience, and the Cognito claims', () => {
    const apps = containers().filter((c) => c.Name === APP_CONTAINER);
    expect(apps).toHaveLength(Object.keys(APP_PORTS).length);
    for (const c of apps) {
      const env = envOf(c);
      expect(env.CLINIC_OIDC_ISSUER).toEqual({
        'Fn::Join': [
          '',
          ['https://cognito-idp.', { Ref: 'AWS::Region' }, '.', { Ref: 'AWS::URLSuffix' }, '/', poolRef()],
        ],
      });
      expect(env.CLINIC_OIDC_AUDIENCE).toEqual(clientRef());
      expect(env.CLINIC_OIDC_CLIENT_ID).toEqual(clientRef());
      expect(env.CLINIC_OIDC_AUDIENCE_CLAIM).toBe('client_id');
      expect(env.CLINIC_OIDC_ROLES_CLAIM).toBe('cognito:groups');
    }
  });

  it('the settings, deployed, are ones the apps accept in the aws profile', () => {
    const env = envOf(containers().find((c) => c.Name === APP_CONTAINER));
    // What CloudFormation makes of the tokens, with example values.
    const deployed: Record<string, string> = {
      AWS_REGION: 'eu-west-1',
      CLINIC_OIDC_ISSUER: 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbCdEf123',
      CLINIC_OIDC_AUDIENCE: '4example0client0id0000000a',
      CLINIC_OIDC_CLIENT_ID: '4example0client0id0000000a',
      CLINIC_OIDC_JWKS_URL: 'https://clinic-jwks.s3.eu-west-1.amazonaws.com/jwks.json',
    };
    for (const [name, value] of Object.entries(env)) if (typeof value === 'string') deployed[name] = value;
    const config = loadIdentityConfig(deployed, { profile: 'aws', stateDir: '/tmp/unused' });
    expect(config.issuer).toBe(deployed.CLINIC_OIDC_ISSUER);
    expect(config.audienceClaim).toBe('client_id');
    expect(config.rolesClaim).toBe('cognito:groups');
    expect(config.jwksUrl).toBe(deployed.CLINIC_OIDC_JWKS_URL);
  });

  it('outputs the pool id, client id, issuer and hosted UI domain', () => {
    const outputs = template.toJSON().Outputs;
    expect(outputs.UserPoolId.Value).toEqual(poolRef());
    expect(outputs.SignInClientId.Value).toEqual(clientRef());
    expect(json(outputs.OidcIssuer.Value)).toContain('https://cognito-idp.');
    expect(json(outputs.SignInDomain.Value)).toContain('.auth.');
  });
});

describe('the apps reach the signing keys from the isolated subnets', () => {
  const bucketId = () => logicalIdOf(stack, stack.jwksMirror.bucket);
  const objectArn = () => ({
    'Fn::Join': ['', [{ 'Fn::GetAtt': [bucketId(), 'Arn'] }, `/${JWKS_OBJECT_KEY}`]],
  });

  it('every app container reads the JWKS from the mirror, and the copy is of this pool', () => {
    for (const task of Object.values(resourcesOf(template, 'AWS::ECS::TaskDefinition'))) {
      const app = (task.Properties.ContainerDefinitions as any[]).find((c) => c.Name === APP_CONTAINER);
      if (!app) continue;
      const env = Object.fromEntries(app.Environment.map((e: any) => [e.Name, e.Value]));
      expect(env.CLINIC_OIDC_JWKS_URL).toEqual({
        'Fn::Join': [
          '',
          ['https://', { 'Fn::GetAtt': [bucketId(), 'RegionalDomainName'] }, `/${JWKS_OBJECT_KEY}`],
        ],
      });
    }
    const copy = only('Custom::JwksMirror')[1].Properties;
    expect(json(copy.JwksUrl)).toContain(json(poolRef()));
    expect(json(copy.JwksUrl)).toContain('/.well-known/jwks.json');
    expect(copy.Key).toBe(JWKS_OBJECT_KEY);
  });

  it('the object is readable only through the VPC gateway endpoint, and writable only by the mirror', () => {
    const policy = Object.values(resourcesOf(template, 'AWS::S3::BucketPolicy')).find(
      (p) => json(p.Properties.Bucket) === json({ Ref: bucketId() }),
    )!;
    const statements: any[] = policy.Properties.PolicyDocument.Statement;
    const allows = statements.filter((s) => s.Effect === 'Allow');
    expect(allows).toHaveLength(1);
    expect(allows[0].Action).toBe('s3:GetObject');
    expect(allows[0].Resource).toEqual(objectArn());
    expect(allows[0].Condition).toEqual({
      StringEquals: { 'aws:SourceVpce': { Ref: logicalIdOf(stack, stack.network.s3Endpoint) } },
    });
    const deny = statements.find((s) => s.Sid === 'OnlyTheMirrorWrites');
    expect(deny.Effect).toBe('Deny');
    expect(deny.Action).toEqual(expect.arrayContaining(['s3:PutObject', 's3:DeleteObject']));
    expect(deny.Condition.ArnNotEquals['aws:PrincipalArn']).toEqual({
      'Fn::GetAtt': [logicalIdOf(stack, stack.jwksMirror.role), 'Arn'],
    });
    const bucket = template.toJSON().Resources[bucketId()].Properties;
    expect(bucket.PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true,
      BlockPublicPolicy: true,
      IgnorePublicAcls: true,
      RestrictPublicBuckets: true,
    });
  });

  it("the gateway endpoint's policy admits reading that object", () => {
    const endpoint = template.toJSON().Resources[logicalIdOf(stack, stack.network.s3Endpoint)].Properties;
    const read = endpoint.PolicyDocument.Statement.find((s: any) => s.Sid === 'ReadMirroredSignInKeys');
    expect(read.Action).toBe('s3:GetObject');
    expect(read.Resource).toEqual(objectArn());
  });

  it('the mirror function may write that one object and its own logs, nothing else', () => {
    const roleId = logicalIdOf(stack, stack.jwksMirror.role);
    const policies = [
      ...Object.values(resourcesOf(template, 'AWS::IAM::ManagedPolicy')),
      ...Object.values(resourcesOf(template, 'AWS::IAM::Policy')),
    ].filter((p) => json(p.Properties.Roles).includes(roleId));
    const statements: any[] = policies.flatMap((p) => p.Properties.PolicyDocument.Statement);
    expect(statements.flatMap((s) => [s.Action].flat()).sort()).toEqual([
      'logs:CreateLogStream',
      'logs:PutLogEvents',
      's3:PutObject',
    ]);
    expect(statements.find((s) => s.Action === 's3:PutObject').Resource).toEqual(objectArn());
  });
});
