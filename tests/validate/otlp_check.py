#!/usr/bin/env python3
"""Strict validation of OTLP/JSON trace payloads against the official protobuf
definitions (PyPI opentelemetry-proto), plus the JSON-encoding rules protobuf's
own parser does not enforce.

Usage: otlp_check.py FILE [--jsonl]
  FILE    an ExportTraceServiceRequest JSON document, or with --jsonl the OTLP
          file-exporter form: one TracesData object per line.
Exit 0 when valid; 1 with one line per problem otherwise.

Why the extra rules: json_format.ParseDict accepts snake_case keys, enum names
and numeric int64s, and mis-decodes hex ids as base64. So ids are checked as
lowercase hex of the right length (never all zero) and converted to base64
before parsing, keys must be lowerCamelCase, enums integers in range, and
64-bit integers decimal strings.
"""
import base64
import json
import re
import sys

from google.protobuf import json_format
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.proto.trace.v1.trace_pb2 import TracesData

ID_LENGTHS = {"traceId": 32, "spanId": 16, "parentSpanId": 16}
INT64_KEYS = {"startTimeUnixNano", "endTimeUnixNano", "timeUnixNano", "intValue"}
ENUMS = {"kind": range(0, 6), "code": range(0, 3)}
CAMEL = re.compile(r"^[a-z][a-zA-Z0-9]*$")
HEX = re.compile(r"^[0-9a-f]+$")


def check(node, path, problems):
    """Checks the extra rules and converts hex ids to base64, in place."""
    if isinstance(node, dict):
        for key in list(node):
            value = node[key]
            here = f"{path}.{key}"
            if not CAMEL.match(key):
                problems.append(f"{here}: key is not lowerCamelCase")
            if key in ID_LENGTHS and isinstance(value, str):
                if value == "" and key == "parentSpanId":
                    continue
                if len(value) != ID_LENGTHS[key] or not HEX.match(value):
                    problems.append(f"{here}: expected {ID_LENGTHS[key]} lowercase hex digits, got {value!r}")
                elif set(value) == {"0"}:
                    problems.append(f"{here}: all-zero id")
                else:
                    node[key] = base64.b64encode(bytes.fromhex(value)).decode()
                continue
            if key in INT64_KEYS and not (isinstance(value, str) and value.isdigit() or (key == "intValue" and isinstance(value, str) and re.match(r"^-?\d+$", value))):
                problems.append(f"{here}: 64-bit integer must be a decimal string, got {value!r}")
            if key in ENUMS and path.split(".")[-1] != "value":
                if not isinstance(value, int) or isinstance(value, bool) or value not in ENUMS[key]:
                    problems.append(f"{here}: enum must be an integer in {ENUMS[key]}, got {value!r}")
            if key == "attributes" and isinstance(value, list):
                keys = [a.get("key") for a in value if isinstance(a, dict)]
                if len(keys) != len(set(keys)):
                    problems.append(f"{here}: duplicate attribute keys")
            check(value, here, problems)
    elif isinstance(node, list):
        for i, item in enumerate(node):
            check(item, f"{path}[{i}]", problems)


def validate(doc, message, label):
    problems = []
    check(doc, label, problems)
    try:
        json_format.ParseDict(doc, message(), ignore_unknown_fields=False)
    except json_format.ParseError as err:
        problems.append(f"{label}: protobuf: {err}")
    return problems


def main():
    args = sys.argv[1:]
    if not args:
        print(__doc__)
        return 2
    with open(args[0], encoding="utf-8") as f:
        text = f.read()
    problems = []
    if "--jsonl" in args:
        lines = [l for l in text.splitlines() if l.strip()]
        if not lines:
            problems.append("no lines")
        for n, line in enumerate(lines, 1):
            problems += validate(json.loads(line), TracesData, f"line {n}")
    else:
        problems += validate(json.loads(text), ExportTraceServiceRequest, "request")
    for p in problems:
        print(p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
