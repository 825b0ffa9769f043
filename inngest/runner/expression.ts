/**
 * The subset of Inngest's CEL expressions that functions here use: paths (`event.data.id`,
 * `async.data["id"]`), string, number, boolean and null literals, `== != < <= > >=`, `&& || !`
 * and parentheses. Anything else is rejected when parsed, never silently misread.
 */
export type Scope = Record<string, unknown>;
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

export function parseExpression(source: string): (scope: Scope) => unknown {
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
  return (scope) => evaluate(tree, scope);
}

function unquote(token: string): string {
  return token.slice(1, -1).replace(/\\(.)/g, "$1");
}

function evaluate(node: Node, scope: Scope): unknown {
  switch (node.kind) {
    case "literal":
      return node.value;
    case "path":
      return node.parts.reduce<unknown>(
        (value, key) => (value !== null && typeof value === "object" ? (value as Scope)[key] : undefined),
        scope,
      );
    case "not":
      return !evaluate(node.operand, scope);
    case "binary": {
      const left = evaluate(node.left, scope);
      if (node.op === "&&") return Boolean(left) && Boolean(evaluate(node.right, scope));
      if (node.op === "||") return Boolean(left) || Boolean(evaluate(node.right, scope));
      const right = evaluate(node.right, scope);
      switch (node.op) {
        case "==":
          return (left ?? null) === (right ?? null);
        case "!=":
          return (left ?? null) !== (right ?? null);
        case "<":
          return (left as number) < (right as number);
        case "<=":
          return (left as number) <= (right as number);
        case ">":
          return (left as number) > (right as number);
        default:
          return (left as number) >= (right as number);
      }
    }
  }
}

const compiled = new Map<string, (scope: Scope) => unknown>();

/** Evaluates an expression, compiling each distinct source once. */
export function evaluateExpression(source: string, scope: Scope): unknown {
  let fn = compiled.get(source);
  if (!fn) {
    fn = parseExpression(source);
    compiled.set(source, fn);
  }
  return fn(scope);
}
