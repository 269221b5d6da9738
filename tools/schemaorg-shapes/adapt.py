#!/usr/bin/env python3
"""Adapts schema.org 30.0's generated SHACL shapes to zhiku's store; writes ontology/schemaorg-shapes.ttl.

    python3 tools/schemaorg-shapes/adapt.py ../shared/data/schemaorg-30.0/schemaorg-shapes.shacl ontology/schemaorg-shapes.ttl

What changes, and why (everything else is kept as published):
1. `http://schema.org/` becomes `https://schema.org/`: zhiku stores the https vocabulary
   (schemaorg-30.0.ttl) and rewrites http on import.
2. The data-type shapes (Text, URL, Number, Integer, Float, Boolean, Date, DateTime, Time, ...)
   are published with `sh:nodeKind sh:BlankNodeOrIRI`, which every literal violates, so that
   `schema:name "x"` would fail `sh:node :ValidSchemaText`. They get literal constraints instead.
3. The 77 shapes of classes outside schema.org (bibo:, SNOMED, void: ...) are dropped: they
   target no class zhiku uses, and their published IRIs are invalid (two '#').
4. Every shape gets `sh:severity sh:Warning`: schema.org describes ranges loosely ("expected
   types"), so its shapes report and never reject. The rules that reject an import are zhiku's
   own, in ontology/shapes.ttl.
"""
import re
import sys

XSD = "http://www.w3.org/2001/XMLSchema#"


def datatypes(*names):
    alts = " ".join(f"[ sh:datatype <{XSD}{n}> ]" for n in names)
    return f"sh:or ( {alts} ) ;"


LITERAL_RULES = {
    "Text": "sh:nodeKind sh:IRIOrLiteral ;",
    "URL": "sh:nodeKind sh:IRIOrLiteral ;",
    "CssSelectorType": "sh:nodeKind sh:Literal ;",
    "XPathType": "sh:nodeKind sh:Literal ;",
    "PronounceableText": "sh:nodeKind sh:Literal ;",
    "Number": datatypes("integer", "decimal", "double", "float", "int", "long", "short",
                        "nonNegativeInteger", "positiveInteger", "unsignedInt"),
    "Integer": datatypes("integer", "int", "long", "short", "nonNegativeInteger",
                         "positiveInteger", "unsignedInt"),
    "Float": datatypes("double", "float", "decimal"),
    "Boolean": "sh:or ( [ sh:datatype <%sboolean> ] [ sh:in ( schema1:True schema1:False ) ] ) ;" % XSD,
    "Date": datatypes("date"),
    "DateTime": datatypes("dateTime", "dateTimeStamp"),
    "Time": datatypes("time"),
}


def main(src, dst):
    text = open(src, encoding="utf-8").read()
    text = text.replace("<http://schema.org/>", "<https://schema.org/>")
    blocks = text.split("\n\n")
    out = []
    fixed = 0
    dropped = 0
    for b in blocks:
        if b.startswith("<http://schema.org/validation#ValidSchemahttp"):
            dropped += 1
            continue
        m = re.match(r":ValidSchema(\w+) a sh:NodeShape ;", b)
        if m and m.group(1) in LITERAL_RULES:
            b = b.replace("sh:nodeKind sh:BlankNodeOrIRI ;", LITERAL_RULES[m.group(1)], 1)
            fixed += 1
        if m:
            b = b.replace("a sh:NodeShape ;", "a sh:NodeShape ;\n    sh:severity sh:Warning ;", 1)
            b = b.replace("sh:path ", "sh:severity sh:Warning ;\n            sh:path ")
        out.append(b)
    header = (
        "# schema.org 30.0 SHACL shapes, adapted for zhiku by tools/schemaorg-shapes/adapt.py\n"
        "# (https vocabulary, literal data-type shapes, every result a warning). Source:\n"
        "# ../shared/data/schemaorg-30.0/schemaorg-shapes.shacl (CC BY-SA 3.0, schema.org).\n\n"
    )
    open(dst, "w", encoding="utf-8").write(header + "\n\n".join(out))
    print(f"{dst}: {len(out)} blocks, {fixed} data-type shapes fixed, {dropped} dropped", file=sys.stderr)
    if fixed != len(LITERAL_RULES):
        sys.exit(f"expected {len(LITERAL_RULES)} data-type shapes, fixed {fixed}")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
