import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import { Construct } from 'constructs';
import { PHARMACIES } from '@app/catalogue';
import { DEFAULT_AUDIENCE, loadIdentityConfig, ROLE_PURPOSES, ROLES } from '@app/identity';

/**
 * The apps' own defaults (15-minute access tokens, 12-hour absolute session): the pool issues
 * tokens with the same lifetimes, so both profiles log people off alike.
 */
const IDENTITY_DEFAULTS = loadIdentityConfig({}, { profile: 'embedded', stateDir: '.' });
export const ACCESS_TOKEN_VALIDITY = Duration.seconds(IDENTITY_DEFAULTS.accessTokenSeconds);
/** The ID token never outlives the access token it comes with. */
export const ID_TOKEN_VALIDITY = ACCESS_TOKEN_VALIDITY;
/**
 * The refresh token is the session: it expires this long after sign-in, rotated or not (rotation
 * keeps the original expiry), so this is the absolute lifetime of a sign-in.
 */
export const REFRESH_TOKEN_VALIDITY = Duration.seconds(IDENTITY_DEFAULTS.sessionMaxSeconds);

/**
 * NIST SP 800-63B: length, not composition. 15 characters is the minimum the revision 4 draft
 * sets for a password used as a single factor (MFA is optional here); composition rules are
 * left off because they push people to predictable patterns. The breached-password check the
 * guideline asks for is threat protection's compromised-credentials check (below).
 */
export const PASSWORD_MIN_LENGTH = 15;

/** The resource server is the clinic API: its identifier is the audience the embedded provider uses. */
export const API_IDENTIFIER = DEFAULT_AUDIENCE;
/**
 * Coarse scopes only: what a person may do is decided by their role (the `cognito:groups` claim)
 * in every app, not by the scope. The scopes mark a token as meant for the clinic API.
 */
export const API_SCOPES = {
  read: 'Read clinic data the signed-in person is entitled to',
  write: 'Change clinic data the signed-in person is entitled to',
} as const;

/**
 * Where the browser may send a person back after sign-in (exact match, Cognito accepts plain
 * http only for localhost): the web screen on its default port (CLINIC_WEB_PORT 8080) and the
 * CLI's loopback listener, which must listen on this fixed port when signing in with Cognito.
 */
export const DEFAULT_CALLBACK_URLS = ['http://localhost:8080/callback', 'http://localhost:8765/callback'];
export const DEFAULT_LOGOUT_URLS = ['http://localhost:8080/', 'http://localhost:8765/'];

/** A pharmacist's pharmacy travels as a group in `cognito:groups`, as `principalOf` reads it. */
export const pharmacyGroupName = (pharmacyId: string) => `pharmacy:${pharmacyId}`;

/** Options of {@link ClinicIdentity}. */
export interface ClinicIdentityProps {
  readonly prefix: string;
  /** Hosted UI domain prefix (`<prefix>.auth.<region>.amazoncognito.com`), unique per region. */
  readonly domainPrefix: string;
  readonly callbackUrls?: readonly string[];
  readonly logoutUrls?: readonly string[];
}

/**
 * The clinic's staff directory on AWS: an Amazon Cognito user pool with a group per role (and per
 * authorised pharmacy), administrator-created accounts only, optional TOTP MFA, threat protection
 * enforced, and one public app client for people signing in from a browser or the CLI with
 * authorization code + PKCE.
 */
export class ClinicIdentity extends Construct {
  readonly userPool: cognito.UserPool;
  readonly client: cognito.UserPoolClient;
  readonly resourceServer: cognito.UserPoolResourceServer;
  readonly domain: cognito.UserPoolDomain;
  /** Group by name: the seven roles and `pharmacy:<id>`. */
  readonly groups: Readonly<Record<string, cognito.CfnUserPoolGroup>>;
  /** What the apps trust: `https://cognito-idp.<region>.amazonaws.com/<pool id>`. */
  readonly issuer: string;
  /** The environment every app gets to trust this pool's access tokens. */
  readonly appEnvironment: Readonly<Record<string, string>>;

  constructor(scope: Construct, id: string, props: ClinicIdentityProps) {
    super(scope, id);
    this.userPool = new cognito.UserPool(this, 'Staff', {
      userPoolName: `${props.prefix}-staff`,
      // Accounts are issued by the clinic's administrators, never self-registered.
      selfSignUpEnabled: false,
      signInAliases: { username: true },
      signInCaseSensitive: false,
      standardAttributes: { email: { required: true, mutable: true } },
      autoVerify: { email: true },
      accountRecovery: cognito.AccountRecovery.EMAIL_ONLY,
      mfa: cognito.Mfa.OPTIONAL,
      mfaSecondFactor: { otp: true, sms: false },
      passwordPolicy: {
        minLength: PASSWORD_MIN_LENGTH,
        requireLowercase: false,
        requireUppercase: false,
        requireDigits: false,
        requireSymbols: false,
        tempPasswordValidity: Duration.days(3),
      },
      // Plus: threat protection (compromised credentials, adaptive authentication) and logs.
      featurePlan: cognito.FeaturePlan.PLUS,
      standardThreatProtectionMode: cognito.StandardThreatProtectionMode.FULL_FUNCTION,
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });

    // What threat protection does when it sees risk: a known-breached password is refused, a
    // risky sign-in must pass MFA (a person without MFA is then blocked).
    new cognito.CfnUserPoolRiskConfigurationAttachment(this, 'RiskResponses', {
      userPoolId: this.userPool.userPoolId,
      clientId: 'ALL',
      compromisedCredentialsRiskConfiguration: {
        actions: { eventAction: 'BLOCK' },
        eventFilter: ['SIGN_IN', 'PASSWORD_CHANGE', 'SIGN_UP'],
      },
      accountTakeoverRiskConfiguration: {
        actions: {
          highAction: { eventAction: 'MFA_REQUIRED', notify: false },
          mediumAction: { eventAction: 'MFA_REQUIRED', notify: false },
          lowAction: { eventAction: 'NO_ACTION', notify: false },
        },
      },
    });

    const groups: Record<string, cognito.CfnUserPoolGroup> = {};
    ROLES.forEach((role, precedence) => {
      groups[role] = new cognito.CfnUserPoolGroup(this, `Role-${role}`, {
        userPoolId: this.userPool.userPoolId,
        groupName: role,
        description: ROLE_PURPOSES[role],
        precedence,
      });
    });
    // Only authorised pharmacies: an unauthorised one never receives prescriptions, so no one
    // may record fills for it.
    for (const pharmacy of PHARMACIES.filter((p) => p.authorised)) {
      const name = pharmacyGroupName(pharmacy.pharmacyId);
      groups[name] = new cognito.CfnUserPoolGroup(this, `Pharmacy-${pharmacy.pharmacyId}`, {
        userPoolId: this.userPool.userPoolId,
        groupName: name,
        description: `Pharmacists of pharmacy ${pharmacy.pharmacyId}: may record fills for it (with the pharmacist role)`,
      });
    }
    this.groups = groups;

    const scopes = Object.entries(API_SCOPES).map(
      ([scopeName, scopeDescription]) => new cognito.ResourceServerScope({ scopeName, scopeDescription }),
    );
    this.resourceServer = this.userPool.addResourceServer('Api', {
      identifier: API_IDENTIFIER,
      userPoolResourceServerName: `${props.prefix} clinic API`,
      scopes,
    });

    this.client = this.userPool.addClient('SignIn', {
      userPoolClientName: `${props.prefix}-sign-in`,
      // Public: a browser or a terminal cannot keep a secret. PKCE stands in for it.
      generateSecret: false,
      // Only SRP, which the hosted sign-in page uses: no API flow ever receives a password.
      authFlows: { userSrp: true },
      oAuth: {
        flows: { authorizationCodeGrant: true, implicitCodeGrant: false, clientCredentials: false },
        scopes: [
          cognito.OAuthScope.OPENID,
          ...scopes.map((s) => cognito.OAuthScope.resourceServer(this.resourceServer, s)),
        ],
        callbackUrls: [...(props.callbackUrls ?? DEFAULT_CALLBACK_URLS)],
        logoutUrls: [...(props.logoutUrls ?? DEFAULT_LOGOUT_URLS)],
      },
      supportedIdentityProviders: [cognito.UserPoolClientIdentityProvider.COGNITO],
      accessTokenValidity: ACCESS_TOKEN_VALIDITY,
      idTokenValidity: ID_TOKEN_VALIDITY,
      refreshTokenValidity: REFRESH_TOKEN_VALIDITY,
      // A refresh token is single use: a replayed one is refused at once (no grace period).
      refreshTokenRotationGracePeriod: Duration.seconds(0),
      enableTokenRevocation: true,
      preventUserExistenceErrors: true,
      authSessionValidity: Duration.minutes(3),
    });

    this.domain = this.userPool.addDomain('SignInDomain', {
      cognitoDomain: { domainPrefix: props.domainPrefix },
    });

    // Spelled out: the pool's ProviderURL attribute has no scheme, and the token's `iss` has one.
    const stack = Stack.of(this);
    this.issuer = `https://cognito-idp.${stack.region}.${stack.urlSuffix}/${this.userPool.userPoolId}`;
    this.appEnvironment = {
      CLINIC_OIDC_ISSUER: this.issuer,
      // Cognito access tokens carry no `aud`: the app client id sits in `client_id`.
      CLINIC_OIDC_AUDIENCE: this.client.userPoolClientId,
      CLINIC_OIDC_AUDIENCE_CLAIM: 'client_id',
      CLINIC_OIDC_ROLES_CLAIM: 'cognito:groups',
      CLINIC_OIDC_CLIENT_ID: this.client.userPoolClientId,
    };
  }
}
