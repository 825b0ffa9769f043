export type { Directory, FakeGroup, FakeUser } from "./directory";
export type { DirectoryJson, GenerateOptions } from "./generate";
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
  startFakeOkta,
} from "./server";
