/**
 * The subset of Inngest's CEL expressions that functions here use: paths (`event.data.id`,
 * `async.data["id"]`), string, number, boolean and null literals, `== != < <= > >=`, `&& || !`
 * and parentheses. Anything else is rejected when parsed, never silently misread.
 *
 * Evaluated as Inngest evaluates them (github.com/inngest/inngest pkg/expressions/unknown.go):
 * a field the data lacks is "unknown", not null. An unknown equals only null (so two missing
 * fields are not equal), is unequal to anything else, less than anything, and falsy; `null`
 * compared with a value of another type stands for that type's zero value; a type mismatch is an
 * error, which matches nothing; and only a boolean `true` matches.
 */
export type Scope = Record<string, unknown>;
export interface EvaluateOptions {
  /**
   * A root whose missing fields read as null, not unknown. Inngest interpolates the run's
   * `event.*` values into a wait's or cancel's `if` when the run starts waiting, writing `null`
   * for a field the event lacks (pkg/expressions/residual.go Interpolate).
   */
  interpolated?: string;
}
/** A field the data lacks. */
const UNKNOWN = Symbol("unknown");
/** An evaluation Inngest would report as an error (e.g. `"a" < 1`): the expression matches nothing. */
class EvaluationError extends Error {}
type Node =
  | { kind: "literal"; value: unknown }
  | { kind: "path"; parts: string[] }
  | { kind: "not"; operand: Node }
  | { kind: "binary"; op: string; left: Node; right: Node };

const TOKEN =
  /\s*(?:(\d+(?:\.\d+)?)|("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')|([A-Za-z_][\w]*)|(==|!=|<=|>=|&&|\|\||[<>!().[\]]))/y;

function tokenize(source: string): string[] {
  const tokens: string[] = [];
  TOKEN.lastIndex = 0;
  while (TOKEN.lastIndex < source.length) {
    if (/^\s*$/.test(source.slice(TOKEN.lastIndex))) break;
    const start = TOKEN.lastIndex;
    const match = TOKEN.exec(source);
    if (!match) throw new Error(`Unsupported expression "${source}" at ${start}`);
    tokens.push(match[1] ?? match[2] ?? match[3] ?? match[4] ?? "");
  }
  return tokens;
}

type Compiled = (scope: Scope, options?: EvaluateOptions) => unknown;

export function parseExpression(source: string): Compiled {
  const tokens = tokenize(source);
  let i = 0;
  const peek = () => tokens[i];
  const take = (expected?: string) => {
    const token = tokens[i++];
    if (token === undefined || (expected !== undefined && token !== expected)) {
      throw new Error(
        `Unsupported expression "${source}": expected ${expected ?? "more"}, got ${token ?? "end"}`,
      );
    }
    return token;
  };
  const binary = (next: () => Node, ops: string[]) => (): Node => {
    let left = next();
    while (ops.includes(peek() ?? "")) {
      const op = take();
      left = { kind: "binary", op, left, right: next() };
    }
    return left;
  };
  const primary = (): Node => {
    const token = take();
    if (token === "(") {
      const inner = or();
      take(")");
      return inner;
    }
    if (token === "!") return { kind: "not", operand: primary() };
    if (/^\d/.test(token)) return { kind: "literal", value: Number(token) };
    if (/^["']/.test(token)) return { kind: "literal", value: unquote(token) };
    if (token === "true" || token === "false") return { kind: "literal", value: token === "true" };
    if (token === "null") return { kind: "literal", value: null };
    if (!/^[A-Za-z_]/.test(token)) throw new Error(`Unsupported expression "${source}" near ${token}`);
    const parts = [token];
    while (peek() === "." || peek() === "[") {
      if (take() === ".") parts.push(take());
      else {
        const key = take();
        parts.push(/^["']/.test(key) ? unquote(key) : key);
        take("]");
      }
    }
    return { kind: "path", parts };
  };
  const comparison = binary(primary, ["==", "!=", "<", "<=", ">", ">="]);
  const and = binary(comparison, ["&&"]);
  const or = binary(and, ["||"]);
  const tree = or();
  if (i !== tokens.length) throw new Error(`Unsupported expression "${source}" near ${tokens[i]}`);
  return (scope, options = {}) => evaluate(tree, scope, options);
}

function unquote(token: string): string {
  return token.slice(1, -1).replace(/\\(.)/g, "$1");
}

function evaluate(node: Node, scope: Scope, options: EvaluateOptions): unknown {
  switch (node.kind) {
    case "literal":
      return node.value;
    case "path": {
      let value: unknown = scope;
      for (const key of node.parts) {
        if (value === null || typeof value !== "object" || !Object.hasOwn(value, key))
          return node.parts[0] === options.interpolated ? null : UNKNOWN;
        value = (value as Scope)[key];
      }
      return value;
    }
    case "not": {
      const operand = evaluate(node.operand, scope, options);
      if (operand === UNKNOWN) return false;
      if (typeof operand !== "boolean") throw new EvaluationError(`!${typeName(operand)}`);
      return !operand;
    }
    case "binary": {
      const left = evaluate(node.left, scope, options);
      const right = () => evaluate(node.right, scope, options);
      // JavaScript-like: the first truthy (||) or falsy (&&) operand, else the last.
      if (node.op === "||") return truthy(left) ? left : right();
      if (node.op === "&&") return truthy(left) ? right() : left;
      return compare(node.op, left, right());
    }
  }
}

function truthy(value: unknown): boolean {
  return value !== UNKNOWN && Boolean(value);
}

function compare(op: string, left: unknown, right: unknown): boolean {
  if (left === UNKNOWN || right === UNKNOWN) {
    const withNull = left === null || right === null;
    if (op === "==") return withNull;
    if (op === "!=") return !withNull;
    if (op === "<" || op === "<=") return left === UNKNOWN;
    return left !== UNKNOWN;
  }
  if ((left === null) !== (right === null)) {
    if (op === "==") return false;
    if (op === "!=") return true;
    return compare(op, left ?? zeroOf(right), right ?? zeroOf(left));
  }
  if (op === "==") return equal(left, right);
  if (op === "!=") return !equal(left, right);
  const type = typeof left;
  if (type !== typeof right || !["number", "string", "boolean"].includes(type) || left === null)
    throw new EvaluationError(`${typeName(left)} ${op} ${typeName(right)}`);
  const [a, b] = [left as number, right as number];
  if (op === "<") return a < b;
  if (op === "<=") return a <= b;
  if (op === ">") return a > b;
  return a >= b;
}

function equal(left: unknown, right: unknown): boolean {
  if (typeof left === "object" && typeof right === "object" && left !== null && right !== null)
    return JSON.stringify(left) === JSON.stringify(right);
  return left === right;
}

function zeroOf(value: unknown): unknown {
  if (typeof value === "number") return 0;
  if (typeof value === "string") return "";
  if (typeof value === "boolean") return false;
  throw new EvaluationError(`no zero value for ${typeName(value)}`);
}

function typeName(value: unknown): string {
  if (value === null) return "null";
  return Array.isArray(value) ? "list" : typeof value === "object" ? "map" : typeof value;
}

const compiled = new Map<string, Compiled>();

function compile(source: string): Compiled {
  let fn = compiled.get(source);
  if (!fn) {
    fn = parseExpression(source);
    compiled.set(source, fn);
  }
  return fn;
}

/** An expression's value (a concurrency key), compiling each distinct source once; missing is undefined. */
export function evaluateExpression(source: string, scope: Scope): unknown {
  const value = compile(source)(scope);
  return value === UNKNOWN ? undefined : value;
}

/**
 * Whether a trigger's, wait's or cancel's `if` matches: only a boolean `true` does, and an
 * evaluation error matches nothing. Throws when the runner cannot parse the expression.
 */
export function matchesExpression(source: string, scope: Scope, options?: EvaluateOptions): boolean {
  const fn = compile(source);
  try {
    return fn(scope, options) === true;
  } catch (error) {
    if (error instanceof EvaluationError) return false;
    throw error;
  }
}
