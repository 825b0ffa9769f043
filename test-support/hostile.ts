import fc from "fast-check";

/**
 * Arbitraries for hostile input: what a URL, a form or an Okta org can carry. Text mixes markup,
 * control characters (NUL included), lone surrogates, right-to-left marks and very long runs.
 */
export const hostileText = (maxLength = 300) =>
  fc.oneof(
    fc.string({ maxLength, unit: "binary" }),
    fc.string({ maxLength, unit: "grapheme" }),
    fc.constantFrom(
      "",
      " ",
      "\u0000",
      "a\u0000b",
      "\ud800",
      "\u202eevil",
      "<script>alert(1)</script>",
      "<img src=x onerror=alert(1)>",
      '\'; DROP TABLE "DirectoryUser"; --',
      "%00",
      "../../etc/passwd",
      "\\",
      "%",
      "_",
      "x".repeat(5000),
    ),
  );

/** A value of a URL's query string: Next passes a repeated key as an array. */
export const queryValue = fc.oneof(hostileText(), fc.array(hostileText(50), { maxLength: 3 }));

const encoded = (tuple: unknown) => Buffer.from(JSON.stringify(tuple)).toString("base64url");

/**
 * A cursor-looking value: plain garbage, base64url JSON of arbitrary tuples, or a well-formed
 * cursor whose value may be of the wrong type for the sort field (a date for a name, text or an
 * out-of-range number for a date).
 */
export const hostileCursor = fc.oneof(
  hostileText(2100),
  fc.tuple(fc.oneof(hostileText(50), fc.double(), fc.integer()), hostileText(70)).map(encoded),
  fc
    .tuple(
      fc.oneof(fc.integer(), fc.double(), fc.constant(1e20), hostileText(20)),
      fc.stringMatching(/^[a-z0-9]{1,25}$/),
    )
    .map(encoded),
);
