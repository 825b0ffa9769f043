export type { Directory, FakeGroup, FakeUser } from "./directory";
export type { DirectoryJson, GenerateOptions } from "./generate";
export {
  DEFAULT_ACCESS_TOKEN_TTL_S,
  DPOP_NONCE_ROTATION_MS,
  DPOP_PROOF_WINDOW_S,
  type FakeServiceApp,
  OKTA_SCOPES,
  type RegisteredKey,
  type ServiceAppPatch,
  type ServiceAppState,
  TOKEN_PATH,
  type TokenAnswer,
} from "./oauth";
export {
  DEFAULT_TOKEN,
  FAR_RESET_MS,
  FakeOkta,
  type FakeOktaOptions,
  type Fault,
  type FaultRule,
  type Hostility,
  type RateLimits,
  type RequestRecord,
  SMALL_MEMBER_PAGE,
  startFakeOkta,
} from "./server";
export { LOG_RETENTION_MS, type LogEvent, type LogEventType, type SystemLog } from "./system-log";
