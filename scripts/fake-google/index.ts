export type { FakeGroup, FakeUser, Member, MemberType } from "./directory";
export type { GenerateOptions } from "./generate";
export {
  DEFAULT_ACCESS_TOKEN_TTL_S,
  GROUP_SCOPE,
  type IssuedToken,
  TOKEN_AUDIENCE,
  TOKEN_PATH,
  USER_SCOPE,
} from "./oauth";
export {
  FakeGoogle,
  type FakeGoogleOptions,
  type Fault,
  type FaultRule,
  type Hostility,
  type Quota,
  type RequestRecord,
  startFakeGoogle,
} from "./server";
