/** An error the Management API answers in Okta's format (`errorCode`, `errorSummary`, …). */
export class OktaFailure extends Error {
  constructor(
    readonly status: number,
    readonly errorCode: string,
    summary: string,
    /** Headers the answer carries, e.g. an OAuth `WWW-Authenticate` challenge. */
    readonly headers: Record<string, string> = {},
    /** `errorCauses[].errorSummary`, e.g. why a JSON Web Key failed validation. */
    readonly causes: string[] = [],
  ) {
    super(summary);
  }
}

/** An error the authorization server answers in OAuth's format (`error`, `error_description`). */
export class OAuthError extends Error {
  constructor(
    readonly status: 400 | 401,
    readonly error: string,
    description: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(description);
  }
}
