#!/usr/bin/env python3
"""Generates a synthetic merchant catalogue as N-Triples for import benchmarks.

    python3 benches/gen_catalogue.py 1000000 /tmp/catalogue-1m.nt
    zhiku --data-dir /tmp/bench-data import --merchant m-bulk /tmp/catalogue-1m.nt

Each product is ~33 triples: a schema:Product (name, SKU, brand, category, description, four
schema:additionalProperty values) and its schema:Offer (price, currency, availability, inventory
level), so the file exercises parsing, SHACL (product, offer and schema.org shapes), the graph
transaction and passage indexing (one passage per product) the way a real catalogue does.
"""
import random
import sys

S = "https://schema.org/"
RDF_TYPE = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"
DEC = "<http://www.w3.org/2001/XMLSchema#decimal>"
INT = "<http://www.w3.org/2001/XMLSchema#integer>"
NOUNS = ["保温杯", "收纳盒", "床单", "枕头", "毛巾", "拖鞋", "台灯", "电水壶", "砧板", "餐盘", "帆布包", "雨伞"]
ADJS = ["北欧风", "加厚", "轻量", "大容量", "简约", "防滑", "便携", "复古", "静音", "抗菌"]
COLOURS = ["白色", "灰色", "米色", "蓝色", "粉色", "黑色"]
AVAIL = ["InStock", "InStock", "InStock", "OutOfStock", "PreOrder"]


def lit(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def main(n, out):
    rnd = random.Random(42)
    base = "https://bulk.example/"
    written = 0
    blank = 0
    with open(out, "w", encoding="utf-8") as f:
        def t(s, p, o):
            nonlocal written
            f.write(f"{s} {p} {o} .\n")
            written += 1

        t(f"<{base}org>", RDF_TYPE, f"<{S}Organization>")
        t(f"<{base}org>", f"<{S}name>", lit("批量家居旗舰店"))
        t(f"<{base}brand>", RDF_TYPE, f"<{S}Brand>")
        t(f"<{base}brand>", f"<{S}name>", lit("小满"))
        i = 0
        while written < n:
            i += 1
            p, o = f"<{base}product/{i}>", f"<{base}offer/{i}>"
            name = f"{rnd.choice(ADJS)}{rnd.choice(NOUNS)} {i}号"
            sku = f"BK-{i:07d}"
            t(p, RDF_TYPE, f"<{S}Product>")
            t(p, f"<{S}name>", lit(name))
            t(p, f"<{S}sku>", lit(sku))
            t(p, f"<{S}brand>", f"<{base}brand>")
            t(p, f"<{S}category>", lit("家居/日用"))
            t(p, f"<{S}description>", lit(f"{name}，{rnd.choice(ADJS)}设计，适合日常使用。"))
            for k, v in [("颜色", rnd.choice(COLOURS)), ("材质", "棉"), ("尺寸", f"{rnd.randint(10, 80)}cm"), ("产地", "浙江")]:
                blank += 1
                b = f"_:pv{blank}"
                t(p, f"<{S}additionalProperty>", b)
                t(b, RDF_TYPE, f"<{S}PropertyValue>")
                t(b, f"<{S}name>", lit(k))
                t(b, f"<{S}value>", lit(v))
            t(p, f"<{S}offers>", o)
            t(o, RDF_TYPE, f"<{S}Offer>")
            t(o, f"<{S}itemOffered>", p)
            t(o, f"<{S}sku>", lit(sku))
            t(o, f"<{S}price>", f'"{rnd.randint(9, 999)}.00"^^{DEC}')
            t(o, f"<{S}priceCurrency>", lit("CNY"))
            t(o, f"<{S}availability>", f"<{S}{rnd.choice(AVAIL)}>")
            blank += 1
            b = f"_:inv{blank}"
            t(o, f"<{S}inventoryLevel>", b)
            t(b, RDF_TYPE, f"<{S}QuantitativeValue>")
            t(b, f"<{S}value>", f'"{rnd.randint(0, 500)}"^^{INT}')
    print(f"{out}: {written} triples, {i} products", file=sys.stderr)


if __name__ == "__main__":
    main(int(sys.argv[1]), sys.argv[2])
