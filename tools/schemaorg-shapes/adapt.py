#!/usr/bin/env python3
"""Adapts schema.org 30.0's generated SHACL shapes to zhiku's store; writes ontology/schemaorg-shapes.ttl.

    python3 tools/schemaorg-shapes/adapt.py ../shared/data/schemaorg-30.0/schemaorg-shapes.shacl \
        ontology/schemaorg-shapes.ttl ontology/schemaorg-30.0.ttl

What changes, and why (everything else is kept as published):
1. `http://schema.org/` becomes `https://schema.org/`: zhiku stores the https vocabulary
   (schemaorg-30.0.ttl) and rewrites http on import.
2. The data-type shapes (Text, URL, Number, Integer, Float, Boolean, Date, DateTime, Time, ...)
   are published with `sh:nodeKind sh:BlankNodeOrIRI`, which every literal violates, so that
   `schema:name "x"` would fail `sh:node :ValidSchemaText`. They get literal constraints instead.
3. The 77 shapes of classes outside schema.org (bibo:, SNOMED, void: ...) are dropped: they
   target no class zhiku uses, and their published IRIs are invalid (two '#').
4. Shapes of classes, and property shapes of properties, that the 30.0 vocabulary does not
   declare (ProductReturnPolicy, StupidType, productReturnDays, ...: the generated shapes
   carry pending and test terms) are dropped, so that the schema passes zhiku's "no term used
   but undeclared" check. Pass the vocabulary as the third argument.
5. Every shape gets `sh:severity sh:Warning`: schema.org describes ranges loosely ("expected
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


def declared_terms(vocab):
    """Local names the schema.org vocabulary declares (`schema:X a rdfs:Class|rdf:Property`)."""
    text = open(vocab, encoding="utf-8").read()
    return set(re.findall(r"^schema:(\w+) a ", text, flags=re.M))


def split_groups(text):
    """Splits `[ ... ], [ ... ]` into the top-level bracket groups (brackets nest in sh:or)."""
    groups, depth, start = [], 0, None
    for i, ch in enumerate(text):
        if ch == "[":
            if depth == 0:
                start = i
            depth += 1
        elif ch == "]":
            depth -= 1
            if depth == 0:
                groups.append(text[start:i + 1])
    return groups


def drop_undeclared(block, declared):
    """Removes property shapes whose sh:path is an undeclared schema.org property."""
    m = re.search(r"    sh:property (\[.*?\]) ;\n    sh:targetClass", block, flags=re.S)
    if not m:
        return block, 0
    groups = split_groups(m.group(1))
    keep = [g for g in groups
            if not (p := re.search(r"sh:path schema1:(\w+)", g)) or p.group(1) in declared]
    if len(keep) == len(groups):
        return block, 0
    if keep:
        replacement = "    sh:property " + ",\n        ".join(keep) + " ;\n    sh:targetClass"
    else:
        replacement = "    sh:targetClass"
    return block[:m.start()] + replacement + block[m.end():], len(groups) - len(keep)


def main(src, dst, vocab):
    declared = declared_terms(vocab)
    text = open(src, encoding="utf-8").read()
    text = text.replace("<http://schema.org/>", "<https://schema.org/>")
    blocks = text.split("\n\n")
    out = []
    fixed = 0
    dropped = 0
    dropped_properties = 0
    for b in blocks:
        if b.startswith("<http://schema.org/validation#ValidSchemahttp"):
            dropped += 1
            continue
        m = re.match(r":ValidSchema(\w+) a sh:NodeShape ;", b)
        target = re.search(r"sh:targetClass schema1:(\w+) \.", b)
        if target and target.group(1) not in declared:
            dropped += 1
            continue
        b, n = drop_undeclared(b, declared)
        dropped_properties += n
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
    print(f"{dst}: {len(out)} blocks, {fixed} data-type shapes fixed, {dropped} shapes and "
          f"{dropped_properties} property shapes dropped", file=sys.stderr)
    if fixed != len(LITERAL_RULES):
        sys.exit(f"expected {len(LITERAL_RULES)} data-type shapes, fixed {fixed}")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3])
