export { DELTA_PAGE_SIZE, DELTA_TOKEN_TTL_MS } from "./delta";
export type { FakeGroup, FakeUser, GroupInput, UserInput } from "./directory";
export type { GenerateOptions } from "./generate";
export {
  DEFAULT_PAGE_SIZE,
  DEFAULT_PERMISSIONS,
  type FakeApp,
  FakeEntra,
  type FakeEntraOptions,
  type Fault,
  type FaultRule,
  GRAPH_SCOPE,
  type Hostility,
  MAX_PAGE_SIZE,
  type RequestRecord,
  startFakeEntra,
  type Throttle,
} from "./server";
