-- Natural, locale-aware name order for the Users, User Groups and group members tables: each row
-- carries a sort key computed from its name, compared bytewise (COLLATE "C"), whose order is that
-- of `new Intl.Collator("en", { numeric: true })` (CLDR root): "Team 5" before "Team 10",
-- "émile" next to "Emile", case and accents deciding only between otherwise equal names.
-- PostgreSQL's ICU collations would do this, but the embedded PGlite has no ICU.
--
-- The key has the collator's three levels, separated by '0' (lower than anything in a level):
--  1. letters case-folded and without accents; punctuation and symbols first ('M' and the
--     character, ASCII ones in ICU's order), then numbers ('N' and the value on 9 digits, 'O' and
--     the digits for longer ones), then letters (Latin, Greek, Cyrillic, …, CJK: code point order);
--  2. accents: '1' per character, the accent's rank (ICU's order) in place of each accent;
--  3. case: 'a' lower or uncased, 'b' upper.
-- Controls, format characters and leading zeros are ignored, as ICU does. Where it still differs
-- from ICU (rare letters, non-ASCII punctuation, numbers beyond 9 digits): docs/admin-guide.md.
CREATE FUNCTION name_sort_key(name text) RETURNS text
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $fn$
DECLARE
  -- COLLATE "C" throughout: the same result whatever the database's own collation.
  t text COLLATE "C" := normalize(name, NFKD) COLLATE "C";
  b text COLLATE "C";
  p text COLLATE "C";
  s text COLLATE "C";
  plain boolean;
BEGIN
  IF t ~ '[\x01-\x1f\x7f-\x9f\u00ad\u034f\u200b-\u200f\u202a-\u202e\u2060-\u206f\ufe00-\ufe0f\ufeff]' THEN
    -- Ignored, but still the end of a number (U+E001, dropped with the accents below).
    t := regexp_replace(regexp_replace(t, '([0-9])[\x01-\x1f\x7f-\x9f\u00ad\u034f\u200b-\u200f\u202a-\u202e\u2060-\u206f\ufe00-\ufe0f\ufeff]+(?=[0-9])', '\1' || U&'\E001', 'g'), '[\x01-\x1f\x7f-\x9f\u00ad\u034f\u200b-\u200f\u202a-\u202e\u2060-\u206f\ufe00-\ufe0f\ufeff]', '', 'g');
  END IF;
  plain := t !~ '[^\x01-\x7f]';
  IF NOT plain THEN
    t := translate(t, '٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹०१२३४५६७८९', '012345678901234567890123456789');
  END IF;
  IF t ~ '[0-9]' THEN
    t := regexp_replace(t, '(^|[^0-9])0+([0-9])', '\1\2', 'g');
  END IF;
  IF plain THEN
    b := t;
    p := lower(t);
    s := repeat('1', length(t));
  ELSE
    -- Letters NFKD leaves whole, weighed as ICU does: ß æ œ as ss ae oe with an accent-level
    -- difference inside (U+E000, after every accent), ø ł đ ħ ŧ as o l d h t with a stroke accent.
    b := translate(regexp_replace(
        replace(replace(replace(replace(replace(replace(t,
          'ß', U&'s\E000s'), 'ẞ', U&'S\E000S'), 'æ', U&'a\E000e'), 'Æ', U&'A\E000E'), 'œ', U&'o\E000e'), 'Œ', U&'O\E000E'),
        '([ØøŁłĐđĦħŦŧ])', '\1' || U&'\0338', 'g'),
      'ØøŁłĐđĦħŦŧ', 'OoLlDdHhTt');
    p := lower(b);
    IF p ~ '[Ѐ-ЯΑ-Ω]' THEN -- lower() under "C" folds ASCII only
      p := translate(p, 'ΑΒΓΔΕΖΗΘΙΚΛΜΝΞΟΠΡΣΤΥΦΧΨΩЀЁЂЃЄЅІЇЈЉЊЋЌЍЎЏАБВГДЕЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯ',
        'αβγδεζηθικλμνξοπρστυφχψωѐёђѓєѕіїјљњћќѝўџабвгдежзийклмнопрстуфхцчшщъыьэюя');
    END IF;
    s := regexp_replace(b, '[^\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f\u3099\u309a\ue000]', '1', 'g');
    IF s ~ '[^1]' THEN
      s := translate(s,
        U&'\0313\0314\0301\0300\0306\0302\030c\030a\0342\0308\030b\0303\0307\0338\0327\0328\0304\0309\030f\0311\031b\0323\0324\0325\0326\032d\032e\0330\0331\0345',
        'ĀāĂăĄąĆćĈĉĊċČčĎďĐđĒēĔĕĖėĘęĚě');
    END IF;
  END IF;
  IF p ~ '[0-9]' THEN
    p := regexp_replace(regexp_replace(regexp_replace(p,
      '([0-9]{10,})', 'O\1', 'g'),
      '(^|[^0-9O])([0-9]+)', '\1N000000000\2', 'g'),
      'N0*([0-9]{9})(?![0-9])', 'N\1', 'g');
  END IF;
  IF NOT plain THEN -- after the numbers: an accent ends a number
    p := regexp_replace(p, '[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f\u3099\u309a\ue000\ue001]', '', 'g');
  END IF;
  p := regexp_replace(p,
    '([\x20-\x2f\x3a-\x40\x5b-\x60\x7b-\x7e\u00a0-\u00bf\u00d7\u00f7\u2000-\u2bff\u2e00-\u2e7f\u3000-\u303f\ufe10-\ufe6f\uff01-\uff0f\U0001f000-\U0001faff])',
    'M\1', 'g');
  IF p ~ '[!-/:-@[-`{-~]' THEN
    p := translate(p, ' _-,;:!?.''"()[]{}@*/\&#%`^+<=>|~$', 'ABCDEFGHIJKLMNOPQRSTUVWXYZ[\]^_`a');
  ELSE
    p := replace(p, ' ', 'A');
  END IF;
  -- Bounded: an index entry holds at most 2,704 bytes, a page cursor 1,000 characters.
  RETURN left(p, 200) || '0' || left(s, 100) || '0'
    || left(regexp_replace(regexp_replace(b, '[^A-ZΑ-ΩЀ-Я]', 'a', 'g'), '[A-ZΑ-ΩЀ-Я]', 'b', 'g'), 100);
END
$fn$;

-- Every writer (the sync's bulk SQL, Prisma, a psql session) gets the key without knowing it.
CREATE FUNCTION set_name_sort_key() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  IF TG_OP = 'INSERT' OR NEW.name IS DISTINCT FROM OLD.name
      OR NEW."nameSortKey" IS DISTINCT FROM OLD."nameSortKey" THEN
    NEW."nameSortKey" := name_sort_key(NEW.name);
  END IF;
  RETURN NEW;
END
$fn$;

-- DropIndex
DROP INDEX "DirectoryUser_organizationId_name_id_idx";

-- DropIndex
DROP INDEX "UserGroup_organizationId_name_idx";

-- AlterTable
ALTER TABLE "DirectoryUser" ADD COLUMN     "nameSortKey" TEXT COLLATE "C" NOT NULL DEFAULT '';

-- AlterTable
ALTER TABLE "UserGroup" ADD COLUMN     "nameSortKey" TEXT COLLATE "C" NOT NULL DEFAULT '';

UPDATE "DirectoryUser" SET "nameSortKey" = name_sort_key(name);
UPDATE "UserGroup" SET "nameSortKey" = name_sort_key(name);

CREATE TRIGGER "DirectoryUser_nameSortKey" BEFORE INSERT OR UPDATE OF name, "nameSortKey" ON "DirectoryUser"
  FOR EACH ROW EXECUTE FUNCTION set_name_sort_key();
CREATE TRIGGER "UserGroup_nameSortKey" BEFORE INSERT OR UPDATE OF name, "nameSortKey" ON "UserGroup"
  FOR EACH ROW EXECUTE FUNCTION set_name_sort_key();

-- CreateIndex
CREATE INDEX "DirectoryUser_organizationId_nameSortKey_id_idx" ON "DirectoryUser"("organizationId", "nameSortKey", "id");

-- CreateIndex
CREATE INDEX "UserGroup_organizationId_nameSortKey_id_idx" ON "UserGroup"("organizationId", "nameSortKey", "id");
