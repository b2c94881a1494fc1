"""kubevet types every scalar exactly as Kubernetes does.

Kubernetes reads YAML with sigs.k8s.io/yaml's ``YAMLToJSON``: go-yaml v2 decodes the
document into ``interface{}`` and encoding/json writes it out. The value kubevet must hold
for a scalar is therefore *what that JSON says*, read back with integers kept exact. Every
expected value below is justified by the Go source it comes from:

* resolve.go (gopkg.in/yaml.v2, vendored by Kubernetes and forked as sigs.k8s.io/yaml/goyaml.v2):
  ``resolveTable`` hints (``+-`` sign, digits, ``yYnNtTfFoO~`` map, ``.`` float; any other
  first character is a string at once); ``resolveMap`` (the 11+11 booleans, 5 nulls,
  ``.nan``/``.inf`` spellings, ``<<``); for the ``.`` hint ``strconv.ParseFloat(in)``; for
  digits and signs: timestamp check, then with ``_`` removed ``strconv.ParseInt(plain, 0,
  64)``, ``strconv.ParseUint(plain, 0, 64)``, ``yamlStyleFloat`` + ``ParseFloat``, and a
  ``0b`` fallback; explicit tags go through the same function and fail with "cannot decode
  !!x `v` as a !!y" unless an int is asked for as a float.
* decode.go: a quoted scalar (``tag == "" && !implicit``) is a string without resolving;
  a timestamp decoded into ``interface{}`` stays the original string; ``!!binary`` is
  ``base64.StdEncoding`` (padding required, only CR/LF ignored); merge keys ``<<`` are
  applied in place, in document order, a list of maps from last to first.
* sigs.k8s.io/yaml yaml.go ``convertToJSONableObject``: keys of type string, int, int64,
  float64 (``strconv.FormatFloat(k, 'g', -1, 32)``, ``+Inf`` -> ``.inf``) and bool are
  turned into strings; any other key type (nil, uint64) is an error.
* encoding/json: NaN and infinities cannot be encoded (error); float64 is printed with
  the shortest digits, in plain notation when 1e-6 <= |f| < 1e21, so ``1e3`` arrives as the
  integer literal ``1000`` and ``2**64`` as ``18446744073709552000``.

When kubectl is installed (it is on the project's machine image), the table is also
checked against the real thing: ``kubectl label --local -o json`` runs exactly this
decoding without a cluster. kubectl then decodes that JSON into an unstructured object,
where a number that does not fit int64 becomes a float64; that last step is the only
difference allowed between the two.
"""

from __future__ import annotations

import json
import math
import shutil
import subprocess

import pytest

from kubevet.loading.yaml_decode import DecodeError, decode

INT64_MAX = 2**63 - 1


def load(text: str):
    """The single document of ``text``, decoded; raises DecodeError like the reader sees it."""
    values, _ = decode(text.encode("utf-8"))
    assert len(values) == 1
    return values[0][0]


def value_of(scalar: str):
    return load(f"v: {scalar}\n")["v"]


def same(got, want) -> bool:
    """Equal with the same JSON type: True is not 1, 1 is not 1.0."""
    if type(got) is not type(want):
        return False
    if isinstance(want, dict):
        return got.keys() == want.keys() and all(same(got[k], want[k]) for k in want)
    if isinstance(want, list):
        return len(got) == len(want) and all(same(g, w) for g, w in zip(got, want))
    return got == want


# (plain scalar, value Kubernetes produces, why)
PLAIN = [
    # --- booleans: resolveMap, the YAML 1.1 spellings in three casings -------------------
    *[(s, True, "resolveMap true") for s in ("y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON")],
    *[(s, False, "resolveMap false") for s in ("n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF")],
    ("tRUE", "tRUE", "hint 'M' only consults resolveMap: other casings are strings"),
    ("yEs", "yEs", "hint 'M', not in resolveMap"),
    ("oN", "oN", "hint 'M', not in resolveMap"),
    ("nO", "nO", "hint 'M', not in resolveMap"),
    ("True1", "True1", "hint 'M', not in resolveMap"),
    # --- null ------------------------------------------------------------------------------
    ("~", None, "resolveMap null"),
    ("null", None, "resolveMap null"),
    ("Null", None, "resolveMap null"),
    ("NULL", None, "resolveMap null"),
    ("", None, "empty plain scalar: resolveMap[\"\"] is null"),
    ("nULL", "nULL", "hint 'M', not in resolveMap"),
    ("~~", "~~", "hint 'M', not in resolveMap"),
    # --- integers: strconv.ParseInt(plain, 0, 64) --------------------------------------------
    ("0", 0, "ParseInt base 0"),
    ("00", 0, "ParseInt: leading 0 is octal, 0"),
    ("010", 8, "ParseInt base 0: a leading 0 means octal"),
    ("0777", 511, "octal"),
    ("0o17", 15, "ParseInt base 0 accepts the 0o prefix"),
    ("0O17", 15, "the prefix letter is case-insensitive"),
    ("0x1F", 31, "ParseInt base 0 accepts 0x"),
    ("0X1f", 31, "prefix and hex digits in any case"),
    ("+0x1F", 31, "ParseInt takes a sign before the prefix"),
    ("-0x1F", -31, "ParseInt takes a sign before the prefix"),
    ("0b101", 5, "ParseInt base 0 accepts 0b"),
    ("0B101", 5, "0B too"),
    ("-0b101", -5, "signed binary"),
    ("1_000", 1000, "underscores are removed before ParseInt"),
    ("1__0", 10, "every underscore is removed"),
    ("1_", 1, "trailing underscore removed too"),
    ("0x_1F", 31, "underscore after the prefix removed"),
    ("-1_000", -1000, "sign and underscores"),
    ("+1", 1, "ParseInt accepts a plus sign"),
    ("-1", -1, "negative"),
    ("-0", 0, "ParseInt(\"-0\") is 0"),
    ("+0", 0, "ParseInt(\"+0\") is 0"),
    ("9223372036854775807", INT64_MAX, "int64 max"),
    ("-9223372036854775808", -(2**63), "int64 min"),
    ("0x7FFFFFFFFFFFFFFF", INT64_MAX, "int64 max in hex"),
    ("9223372036854775808", 2**63, "ParseInt range error, ParseUint takes it: a uint64"),
    ("18446744073709551615", 2**64 - 1, "uint64 max"),
    ("0xFFFFFFFFFFFFFFFF", 2**64 - 1, "uint64 max in hex"),
    # --- numbers that are neither int64 nor uint64 become float64 ----------------------------
    ("+9223372036854775808", 9223372036854776000,
     "ParseUint refuses the sign; float64 2**63, printed by encoding/json with shortest digits"),
    ("-9223372036854775809", -9223372036854776000, "below int64 min: float64, shortest digits"),
    ("18446744073709551616", 18446744073709552000, "2**64: float64, JSON prints 18446744073709552000"),
    ("99999999999999999999", 10**20, "float64 1e20, JSON prints 100000000000000000000"),
    ("0x10000000000000000", "0x10000000000000000", "hex beyond uint64: not yamlStyleFloat either"),
    # --- 08 and 09 are not octal: yamlStyleFloat takes them as floats 8 and 9 ------------
    ("08", 8, "ParseInt fails (8 is no octal digit); float 8; JSON prints 8"),
    ("09", 9, "float 9, JSON 9"),
    ("019", 19, "float 19"),
    ("09.5", 9.5, "float"),
    ("0o8", "0o8", "not an octal digit and not yamlStyleFloat"),
    ("0x", "0x", "ParseInt: prefix without digits is a syntax error"),
    ("0b", "0b", "ParseInt fails, the 0b fallback too"),
    ("0b102", "0b102", "not binary"),
    # --- floats ------------------------------------------------------------------------------
    ("1e3", 1000, "yamlStyleFloat needs no dot; float 1000, JSON prints 1000"),
    ("1E3", 1000, "exponent letter in either case"),
    ("1e+3", 1000, "signed exponent"),
    ("-1e3", -1000, "negative"),
    ("1.5e3", 1500, "integral float"),
    ("1e-3", 0.001, "float"),
    ("1.0", 1, "float 1, JSON prints 1"),
    ("1.", 1, "yamlStyleFloat allows no digits after the dot"),
    ("1.5", 1.5, "float"),
    ("0.1", 0.1, "float"),
    (".5", 0.5, "hint '.': ParseFloat"),
    ("-.5", -0.5, "hint 'S', yamlStyleFloat"),
    ("+.5", 0.5, "hint 'S', yamlStyleFloat"),
    (".5e3", 500, "hint '.': ParseFloat with exponent"),
    (".5_0", 0.5, "hint '.': ParseFloat(in) itself accepts Go digit separators"),
    (".5e1_0", 5000000000, "ParseFloat: separators in the exponent too"),
    ("._5", "._5", "ParseFloat: an underscore must sit between digits"),
    (".5_", ".5_", "ParseFloat: not after the last digit either"),
    ("1_000.5", 1000.5, "underscores removed, then yamlStyleFloat"),
    ("-0.0", 0, "float -0; JSON prints -0, which is the integer 0"),
    ("1e20", 10**20, "JSON prints 100000000000000000000"),
    ("1e21", 1e21, "JSON switches to 1e+21 from 1e21 on: stays a float"),
    ("1.5e300", 1.5e300, "float"),
    ("0.000001", 1e-06, "float"),
    ("1e-7", 1e-07, "float (JSON prints 1e-7)"),
    ("1e-999", 0, "ParseFloat underflows to 0 without error; JSON 0"),
    ("1e999", "1e999", "ParseFloat range error: go-yaml keeps the string"),
    ("-1e999", "-1e999", "range error"),
    (".1e999", ".1e999", "hint '.': range error"),
    ("0x1p-2", "0x1p-2", "a Go hex float, but not yamlStyleFloat"),
    ("1e", "1e", "not yamlStyleFloat"),
    ("e3", "e3", "no hint"),
    ("1e3.5", "1e3.5", "not yamlStyleFloat"),
    (".iNF", ".iNF", "hint '.', not in resolveMap, ParseFloat fails"),
    ("inf", "inf", "no hint for 'i'"),
    ("Infinity", "Infinity", "no hint for 'I'"),
    ("nan", "nan", "hint 'M', not in resolveMap"),
    ("NaN", "NaN", "hint 'M', not in resolveMap"),
    ("-.NaN", "-.NaN", "signed NaN is not in resolveMap, and not a number"),
    ("+.nan", "+.nan", "not in resolveMap"),
    # --- no sexagesimal numbers, no timestamps -----------------------------------------------
    ("1:20", "1:20", "go-yaml dropped base 60 on purpose (resolve.go comment)"),
    ("190:20:30", "190:20:30", "base 60"),
    ("-1:20", "-1:20", "base 60"),
    ("2024-01-02", "2024-01-02", "parseTimestamp matches, decode.go keeps the string for interface{}"),
    ("2001-12-14t21:59:43.10-05:00", "2001-12-14t21:59:43.10-05:00", "timestamp, kept as string"),
    ("2001-12-14 21:59:43.10 -5", "2001-12-14 21:59:43.10 -5", "no format matches: a string anyway"),
    ("2024-1-2", "2024-1-2", "timestamp with short fields: string"),
    # --- other strings ---------------------------------------------------------------------
    ("=", "=", "no hint for '=' (PyYAML's YAML 1.1 value tag does not exist in go-yaml)"),
    ("<<", "<<", "resolveMap gives the merge tag, but as a value it decodes to the string"),
    ("1,000", "1,000", "not a number"),
    ("1.2.3", "1.2.3", "not a number"),
    ("v1", "v1", "no hint"),
    ("100m", "100m", "quantities are strings"),
    ("1Gi", "1Gi", "quantities are strings"),
    ("0.5Gi", "0.5Gi", "not a number"),
    ("_1", "_1", "no hint for '_'"),
    ("+", "+", "ParseInt fails"),
    ("+-1", "+-1", "ParseInt fails"),
    ("1_000_", 1000, "underscores removed"),
]

_IDS = [f"{i}:{case[0] or 'empty'}" for i, case in enumerate(PLAIN)]


@pytest.mark.parametrize(("text", "want", "why"), PLAIN, ids=_IDS)
def test_plain_scalar(text, want, why):
    got = value_of(text)
    assert same(got, want), f"{text!r}: got {got!r}, Kubernetes gives {want!r} ({why})"


@pytest.mark.parametrize(("text", "want", "why"), [c for c in PLAIN if c[0]], ids=[i for i, c in zip(_IDS, PLAIN) if c[0]])
def test_quoted_scalar_is_a_string(text, want, why):
    # decode.go: a quoted scalar has no tag and is not implicit: it is the string itself
    assert same(value_of(f'"{text}"'), text)
    assert same(value_of(f"'{text}'"), text)


@pytest.mark.parametrize("text", [".inf", ".Inf", ".INF", "+.inf", "+.INF", "-.inf", "-.Inf", ".nan", ".NaN", ".NAN"])
def test_nan_and_infinity_values_are_refused(text):
    # resolveMap makes them float64 NaN/Inf, which encoding/json cannot encode
    with pytest.raises(DecodeError, match="JSON"):
        value_of(text)


# --- explicit tags ---------------------------------------------------------------------------

TAGGED = [
    ("!!str 1", "1", "any scalar is accepted as !!str"),
    ("!!str true", "true", "!!str"),
    ("!!str ~", "~", "!!str"),
    ("!!str 010", "010", "!!str"),
    ("!!str", "", "empty !!str"),
    ('!!int "5"', 5, "quoted but tagged: resolve(!!int, \"5\")"),
    ('!!int "010"', 8, "resolve with the int tag still reads octal"),
    ("!!int 0x1F", 31, "!!int"),
    ("!!int 1_000", 1000, "!!int"),
    ("!!float 1", 1, "an int asked for as !!float becomes float64 1; JSON 1"),
    ('!!float "1.5"', 1.5, "!!float"),
    ("!!float 9223372036854775807", 9223372036854776000, "int converted to float64 2**63"),
    ('!!float "08"', 8, "float 8"),
    ('!!bool "yes"', True, "!!bool on a quoted yes"),
    ("!!bool off", False, "!!bool"),
    ("!!null ~", None, "!!null"),
    ('!!null ""', None, "!!null on an empty string"),
    ("!!null", None, "empty !!null"),
    ("!!timestamp 2024-01-02", "2024-01-02", "a timestamp into interface{} is the original string"),
    ("!!timestamp 2001-12-14t21:59:43.10-05:00", "2001-12-14t21:59:43.10-05:00", "RFC 3339 with lower-case t"),
    ("!!timestamp 2001-12-14 21:59:43.10", "2001-12-14 21:59:43.10", "space separated, no zone"),
    ("!!binary aGVsbG8=", "hello", "base64.StdEncoding"),
    ("!!binary |\n  aGVs\n  bG8=", "hello", "StdEncoding ignores newlines"),
    ("!foo 5", "5", "a local tag is not resolvable: the text, as a string"),
    ("! 5", "5", "the non-specific tag: not resolvable (libyaml reports it as no tag at all)"),
    ("! yes", "yes", "the non-specific tag"),
    ("&a ! 5", "5", "the non-specific tag after an anchor"),
    ("!", "", "the non-specific tag on an empty scalar: the empty string, not null"),
    ("!foo true", "true", "local tag"),
    ("!!foo 5", "5", "an unknown yaml.org tag is not resolvable"),
    ("!!map 5", "5", "!!map is not resolvable for a scalar: a string"),
    ("!!merge <<", "<<", "not resolvable: the text"),
    ("!foo {a: 1}", {"a": 1}, "tags on collections are ignored"),
    ("!!str {a: 1}", {"a": 1}, "tags on collections are ignored"),
    ("!foo [1, yes]", [1, True], "tags on collections are ignored, the items still resolve"),
    ("!<tag:yaml.org,2002:int> '7'", 7, "a verbatim tag is the same tag"),
]


@pytest.mark.parametrize(("text", "want", "why"), TAGGED, ids=[c[0] for c in TAGGED])
def test_tagged_scalar(text, want, why):
    got = value_of(text)
    assert same(got, want), f"{text!r}: got {got!r}, Kubernetes gives {want!r} ({why})"


REFUSED = [
    ('!!int "abc"', "cannot decode !!str `abc` as a !!int"),
    ("!!int 1.5", "cannot decode !!float `1.5` as a !!int"),
    ('!!int ""', "cannot decode !!null `` as a !!int"),
    ("!!bool 1", "cannot decode !!int `1` as a !!bool"),
    ("!!null foo", "cannot decode !!str `foo` as a !!null"),
    ("!!float abc", "cannot decode !!str `abc` as a !!float"),
    ("!!float 9223372036854775808", "only int and int64 are converted; a uint64 is refused"),
    ("!!float .nan", "NaN cannot be encoded as JSON"),
    ("!!timestamp foo", "not a timestamp"),
    ("!!timestamp 2001-12-14 21:59:43.10 -5", "time.Parse cannot read it (resolve.go's own comment)"),
    ("!!timestamp 2024-02-30", "time.Parse checks the day of the month"),
    ("!!timestamp 1", "an int is not a timestamp"),
    ('!!binary "aGVsbG8"', "StdEncoding requires the padding"),
    ('!!binary "aGVs bG8="', "StdEncoding refuses spaces"),
]


@pytest.mark.parametrize(("text", "why"), REFUSED, ids=[c[0] for c in REFUSED])
def test_tagged_scalar_refused(text, why):
    with pytest.raises(DecodeError):
        value_of(text)


# --- keys ----------------------------------------------------------------------------------

KEYS = [
    ("on", "true", "bool key: 'true'"),
    ("y", "true", "bool key"),
    ("n", "false", "bool key"),
    ("off", "false", "bool key"),
    ("1", "1", "int key: strconv.Itoa"),
    ("010", "8", "octal int key"),
    ("0x1F", "31", "hex int key"),
    ("-1", "-1", "negative int key"),
    ("1.0", "1", "float64 key: FormatFloat(k, 'g', -1, 32)"),
    ("1.5", "1.5", "float key"),
    ("0.1", "0.1", "float32 shortest digits"),
    ("1e3", "1000", "'g' prints exponents below 6 in plain notation"),
    ("123456.0", "123456", "exponent 5"),
    ("1e6", "1e+06", "'g' with shortest precision switches to %e at exponent 6"),
    ("1234567.0", "1.234567e+06", "%e"),
    ("3.14159265358979", "3.1415927", "bitSize 32: the key is printed as a float32"),
    ("1e-7", "1e-07", "%e below exponent -4"),
    ("0.0001", "0.0001", "exponent -4 is still %f"),
    ("-0.0", "-0", "FormatFloat keeps the sign of zero"),
    ("1e300", ".inf", "float32(1e300) is +Inf, printed +Inf, renamed .inf"),
    (".inf", ".inf", "+Inf renamed"),
    ("-.inf", "-.inf", "-Inf renamed"),
    (".nan", ".nan", "NaN renamed"),
    ("08", "8", "float 8"),
    ("~x", "~x", "a string"),
    ("2024-01-02", "2024-01-02", "a timestamp key is its string"),
    ('"on"', "on", "quoted: a string"),
    ("'1.0'", "1.0", "quoted: a string"),
    ("!!str 1", "1", "tagged string"),
    ('!!int "010"', "8", "tagged int"),
    ("!!float 1e6", "1e+06", "tagged float: still printed as a float key"),
    ('"<<"', "<<", "a quoted << is an ordinary key (isMerge needs a plain or !!merge key)"),
    ("=", "=", "a string"),
    ("! on", "on", "the non-specific tag: a string key"),
]


@pytest.mark.parametrize(("key", "want", "why"), KEYS, ids=[c[0] for c in KEYS])
def test_key(key, want, why):
    got = load(f"{key}: x\n")
    assert got == {want: "x"}, f"{key!r}: got {list(got)}, Kubernetes gives {want!r} ({why})"


@pytest.mark.parametrize(
    "text",
    [
        "~: x",
        "null: x",
        "? \n: x",
        "!!null '': x",
        "9223372036854775808: x",  # uint64: not a key type convertToJSONableObject knows
        "[a]: x",
        "{a: 1}: x",
        "? [a, b]\n: x",
    ],
)
def test_key_refused(text):
    # sigs.k8s.io/yaml: "Unsupported map key of type"; go-yaml: "invalid map key"
    with pytest.raises(DecodeError, match="key"):
        load(text)


# --- merge keys ------------------------------------------------------------------------------

MERGES = [
    ("{<<: {a: 1, b: 1}, b: 2}", {"a": 1, "b": 2}, "explicit key after the merge overrides it"),
    ("{a: 1, <<: {a: 2, b: 2}, b: 3}", {"a": 2, "b": 3},
     "go-yaml v2 applies the merge where it stands: it overrides the earlier explicit key"),
    ("{<<: [{a: 1}, {a: 2, b: 2}]}", {"a": 1, "b": 2}, "a list is applied last to first: earlier maps win"),
    ("{<<: [{a: 1}, {a: 2}], a: 3}", {"a": 3}, "explicit key after the merge wins"),
    ("{<<: {<<: {z: 1}, w: 1}, x: 1}", {"z": 1, "w": 1, "x": 1}, "nested merges"),
    ('{"<<": {a: 1}}', {"<<": {"a": 1}}, "a quoted << is an ordinary key"),
    ("{!!merge <<: {a: 1}}", {"a": 1}, "isMerge: a << key tagged !!merge"),
    ("{!!str <<: {a: 1}}", {"<<": {"a": 1}}, "!!str << is an ordinary key"),
    ("{<<: {}, a: 1}", {"a": 1}, "an empty map merges nothing"),
]


@pytest.mark.parametrize(("text", "want", "why"), MERGES, ids=[c[0] for c in MERGES])
def test_merge(text, want, why):
    got = load(f"v: {text}\n")["v"]
    assert same(got, want), f"{text}: got {got!r}, Kubernetes gives {want!r} ({why})"


def test_merge_with_anchors_and_no_false_duplicates():
    text = """\
base: &base {cpu: 100m, memory: 1Gi}
extra: &extra {memory: 2Gi, gpu: 1}
one:
  <<: *base
  memory: 4Gi
two:
  <<: [*extra, *base]
  cpu: 1
"""
    values, duplicates = decode(text.encode())
    doc = values[0][0]
    assert doc["one"] == {"cpu": "100m", "memory": "4Gi"}
    assert doc["two"] == {"memory": "2Gi", "gpu": 1, "cpu": 1}
    # overriding a merged key is what merge keys are for: not a duplicate key
    assert duplicates == []
    # the anchored maps themselves are not changed by merging them
    assert doc["base"] == {"cpu": "100m", "memory": "1Gi"}


def test_duplicate_keys_are_reported_with_last_value_kept():
    values, duplicates = decode(b"a: 1\nb:\n  c: 1\n  c: 2\na: 3\n<<: {a: 4}\n")
    # go-yaml v2 (not strict) keeps the last value; the merge applies where it stands
    assert values[0][0] == {"a": 4, "b": {"c": 2}}
    assert duplicates == [(3, 2, "c"), (4, 0, "a")]


def test_key_spellings_that_collide_are_duplicates():
    # on and true are both the key "true" once decoded
    values, duplicates = decode(b"on: 1\ntrue: 2\n010: a\n8: b\n")
    assert values[0][0] == {"true": 2, "8": "b"}
    assert [(line, key) for line, _, key in duplicates] == [(1, "true"), (3, "8")]


@pytest.mark.parametrize(
    "text",
    ["{<<: ~}", "{<<: 5}", "{<<: [{a: 1}, x]}", "{<<: [[a]]}", "{<<: &s x, b: 1}"],
)
def test_merge_refused(text):
    # go-yaml: "map merge requires map or sequence of maps as the value"
    with pytest.raises(DecodeError, match="merge"):
        load(f"v: {text}\n")


def test_aliases_share_values():
    values, _ = decode(b"a: &x {k: [1, 2]}\nb: *x\nc: &s yes\nd: *s\n")
    doc = values[0][0]
    assert doc["b"] == {"k": [1, 2]} and doc["d"] is True


# --- against kubectl, when it is there -------------------------------------------------------

KUBECTL = shutil.which("kubectl")
needs_kubectl = pytest.mark.skipif(KUBECTL is None, reason="kubectl is not installed")
_HEAD = "apiVersion: example.com/v1\nkind: Check\nmetadata:\n  name: typing\n"


def _kubectl(text: str) -> subprocess.CompletedProcess:
    """kubectl decoding ``text`` as it decodes every manifest, offline."""
    return subprocess.run(
        [KUBECTL, "label", "--local", "-f", "-", "kubevet=check", "-o", "json"],
        input=text.encode(),
        capture_output=True,
        timeout=60,
        env={"PATH": "/usr/bin:/bin", "KUBECONFIG": "/dev/null", "HOME": "/nonexistent"},
    )


def _kubectl_number(value):
    # kubectl prints a float64 beyond int64 with its shortest digits, as an integer literal
    if isinstance(value, int) and not isinstance(value, bool) and not -(2**63) <= value <= INT64_MAX:
        return float(value)
    if isinstance(value, dict):
        return {k: _kubectl_number(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_kubectl_number(v) for v in value]
    return value


@needs_kubectl
def test_table_matches_kubectl():
    single_line = [(t, w) for t, w, _ in PLAIN + TAGGED if "\n" not in t]
    body = "v:\n" + "".join(f"- {t}\n" for t, _ in single_line)
    body += "k:\n" + "".join(f"  {k}: x\n" for k, _, _ in KEYS)
    body += "m:\n" + "".join(f"- {t}\n" for t, _, _ in MERGES)
    proc = _kubectl(_HEAD + body)
    assert proc.returncode == 0, proc.stderr.decode()
    out = json.loads(proc.stdout)
    mine = load(body)
    assert len(out["v"]) == len(single_line)
    for (text, _), theirs, ours in zip(single_line, out["v"], mine["v"]):
        assert same(_kubectl_number(ours), _kubectl_number(theirs)), f"{text!r}: kubevet {ours!r}, kubectl {theirs!r}"
    assert mine["k"] == out["k"]
    assert same(mine["m"], out["m"])


@needs_kubectl
@pytest.mark.parametrize(
    "text",
    [f"v: {t}" for t, _ in REFUSED]
    + ["v: .nan", "v: -.inf"]
    + ["v: {<<: ~}", "v: {<<: [{a: 1}, x]}"]
    + ["~: x", "9223372036854775808: x", "[a]: x"],
)
def test_refusals_match_kubectl(text):
    proc = _kubectl(_HEAD + text + "\n")
    assert proc.returncode != 0 and b"converting YAML to JSON" in proc.stderr, proc
    with pytest.raises(DecodeError):
        load(text + "\n")


def test_values_are_plain_json_types():
    doc = load("a: [1, 1.5, yes, ~, x, {b: 2}]\n")
    assert json.loads(json.dumps(doc)) == doc
    assert not any(isinstance(v, float) and (math.isnan(v) or math.isinf(v)) for v in doc["a"][:2])
