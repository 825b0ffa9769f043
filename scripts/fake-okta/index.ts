export type { Directory, FakeGroup, FakeUser } from "./directory";
export type { DirectoryJson, GenerateOptions } from "./generate";
export {
  DEFAULT_TOKEN,
  FakeOkta,
  type FakeOktaOptions,
  type Fault,
  type FaultRule,
  type RateLimits,
  type RequestRecord,
  startFakeOkta,
} from "./server";
