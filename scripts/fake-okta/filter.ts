/**
 * Okta's `filter` expressions, as far as listings of users and groups and the System Log support
 * them: `attr op "value"` joined by `and`/`or` (and binds tighter) with parentheses. Operators are
 * case-insensitive; `eq` works on every allowed attribute, `gt ge lt le` only on timestamps.
 */

export type Comparison = "eq" | "gt" | "ge" | "lt" | "le";
export type Filter =
  | { kind: "and" | "or"; left: Filter; right: Filter }
  | { kind: "compare"; attribute: string; op: Comparison; value: string; time: number };

/** Allowed attributes: `true` for timestamps (which take every operator), `false` for `eq` only. */
export type FilterAttributes = Record<string, boolean>;

export class FilterError extends Error {}

const TOKEN = /\s*(?:(\()|(\))|"((?:[^"\\]|\\.)*)"|([A-Za-z_.]+))/y;

function tokenize(text: string): string[] {
  const tokens: string[] = [];
  TOKEN.lastIndex = 0;
  while (TOKEN.lastIndex < text.trimEnd().length) {
    const match = TOKEN.exec(text);
    if (!match)
      throw new FilterError(`Invalid filter near "${text.slice(TOKEN.lastIndex, TOKEN.lastIndex + 20)}"`);
    tokens.push(match[1] ?? match[2] ?? (match[3] !== undefined ? `"${match[3]}` : (match[4] as string)));
  }
  return tokens;
}

export function parseFilter(text: string, attributes: FilterAttributes): Filter {
  const tokens = tokenize(text);
  let at = 0;
  const peek = () => tokens[at]?.toLowerCase();
  const take = () => {
    const token = tokens[at++];
    if (token === undefined) throw new FilterError("Filter ends too early");
    return token;
  };

  const comparison = (): Filter => {
    if (peek() === "(") {
      take();
      const inner = or();
      if (take() !== ")") throw new FilterError("Missing )");
      return inner;
    }
    const attribute = take();
    const op = take().toLowerCase();
    const quoted = take();
    const isTime = attributes[attribute];
    if (isTime === undefined) throw new FilterError(`Filtering on ${attribute} is not supported`);
    if (!["eq", "gt", "ge", "lt", "le"].includes(op) || (op !== "eq" && !isTime)) {
      throw new FilterError(`Operator ${op} is not supported on ${attribute}`);
    }
    if (!quoted.startsWith('"')) throw new FilterError(`The value for ${attribute} must be quoted`);
    const value = quoted.slice(1).replace(/\\(.)/g, "$1");
    const time = isTime ? Date.parse(value) : Number.NaN;
    if (isTime && Number.isNaN(time)) throw new FilterError(`${value} is not a timestamp`);
    return { kind: "compare", attribute, op: op as Comparison, value, time };
  };
  const chain = (kind: "and" | "or", operand: () => Filter) => (): Filter => {
    let left = operand();
    while (peek() === kind) {
      take();
      left = { kind, left, right: operand() };
    }
    return left;
  };
  const and = chain("and", comparison);
  const or = chain("or", and);

  const filter = or();
  if (at < tokens.length) throw new FilterError(`Unexpected "${tokens[at]}" in filter`);
  return filter;
}

/**
 * Reads an attribute of a record: a string, a timestamp in ms for time attributes, or the strings
 * of an array's elements (a log event's `target.id`), which match when one of them does.
 */
export type Accessor = (attribute: string) => string | number | readonly string[] | null;

export function matches(filter: Filter, get: Accessor): boolean {
  if (filter.kind !== "compare") {
    const left = matches(filter.left, get);
    return filter.kind === "and" ? left && matches(filter.right, get) : left || matches(filter.right, get);
  }
  const actual = get(filter.attribute);
  if (actual === null) return false;
  if (typeof actual === "string") return actual === filter.value;
  if (typeof actual !== "number") return actual.includes(filter.value);
  const wanted = filter.time;
  switch (filter.op) {
    case "eq":
      return actual === wanted;
    case "gt":
      return actual > wanted;
    case "ge":
      return actual >= wanted;
    case "lt":
      return actual < wanted;
    case "le":
      return actual <= wanted;
  }
}

/** The earliest `attribute` value any match can have, if the filter implies one (for index scans). */
export function lowerBound(filter: Filter, attribute: string): number | undefined {
  if (filter.kind === "compare") {
    return filter.attribute === attribute && ["gt", "ge", "eq"].includes(filter.op) ? filter.time : undefined;
  }
  const left = lowerBound(filter.left, attribute);
  const right = lowerBound(filter.right, attribute);
  if (filter.kind === "or")
    return left === undefined || right === undefined ? undefined : Math.min(left, right);
  if (left === undefined) return right;
  return right === undefined ? left : Math.max(left, right);
}
